import { describe, expect, it } from 'vitest';
import { paint } from '../../src/render/colour.ts';
import { layoutRows, renderTable } from '../../src/render/table.ts';

describe('renderTable: the kubectl look', () => {
  const headers = ['name', 'Ready', 'STATUS'];
  const rows = [
    ['web-0', '1/1', 'Running'],
    ['web-10', '0/1', 'CrashLoopBackOff'],
  ];

  it('aligns left with three spaces between columns, upper-case headers, no borders or trailing spaces', () => {
    expect(renderTable(headers, rows)).toBe(
      ['NAME     READY   STATUS', 'web-0    1/1     Running', 'web-10   0/1     CrashLoopBackOff', ''].join(
        '\n',
      ),
    );
  });

  it('leaves the header out with --no-headers and sizes columns from the rows alone', () => {
    expect(renderTable(headers, rows, { noHeaders: true })).toBe(
      ['web-0    1/1   Running', 'web-10   0/1   CrashLoopBackOff', ''].join('\n'),
    );
  });

  it('measures coloured cells without their escape codes', () => {
    const coloured = renderTable(
      ['a', 'b'],
      [
        [paint('red', 'red', true), 'x'],
        ['longer', 'y'],
      ],
    );
    const visible = coloured.replaceAll('\x1b[31m', '').replaceAll('\x1b[0m', '');
    expect(visible).toBe(['A        B', 'red      x', 'longer   y', ''].join('\n'));
  });

  it('keeps empty cells in place', () => {
    expect(renderTable(['a', 'b', 'c'], [['1', '', '3']])).toBe(['A   B   C', '1       3', ''].join('\n'));
  });

  it('prints nothing for no rows without headers', () => {
    expect(renderTable(headers, [], { noHeaders: true })).toBe('');
  });
});

describe('paint', () => {
  it.each([
    { enabled: true, want: '\x1b[31mbad\x1b[0m' },
    { enabled: false, want: 'bad' },
  ])('colours only when enabled ($enabled)', ({ enabled, want }) => {
    expect(paint('bad', 'red', enabled)).toBe(want);
  });
});

describe('layoutRows: the direct layout equals cli-table3', () => {
  const red = (text: string) => paint(text, 'red', true);
  const long = Array.from({ length: 105 }, (_, i) => [
    `web-${i}`,
    i % 7 === 0 ? red('CrashLoopBackOff') : 'Running',
    i % 5 === 0 ? '' : String(i * 37),
    i % 3 === 0 ? '<none>' : `node-${i % 11}`,
  ]);
  it.each([
    {
      case: 'plain cells',
      body: [
        ['NAME', 'STATUS'],
        ['a', 'Running'],
        ['longer-name', 'x'],
      ],
    },
    {
      case: 'coloured cells',
      body: [
        ['A', 'B'],
        [red('bad'), 'x'],
        ['good', red('y')],
      ],
    },
    {
      case: 'empty cells, including a whole empty column',
      body: [
        ['', 'b', ''],
        ['1', '', ''],
        ['', '', ''],
      ],
    },
    { case: 'a long pod table', body: long },
  ])('$case', ({ body }) => {
    expect(layoutRows(body, { fast: true })).toEqual(layoutRows(body, { fast: false }));
  });

  it('leaves text it cannot measure (wide characters) to cli-table3', () => {
    const body = [
      ['名前', 'x'],
      ['a', 'y'],
    ];
    expect(layoutRows(body, { fast: true })).toEqual(['名前   x', 'a      y']);
  });
});
