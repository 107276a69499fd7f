// The document formats shared by status and dns: -o name, the terminal-safe text of
// custom-columns and jsonpath, the label columns, and reading -o into options.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StsError } from '../../src/cli/errors.ts';
import { OUTPUT_FORMATS } from '../../src/cli/flags.ts';
import { toListOptions, toOutputOptions } from '../../src/cli/output.ts';
import { formatLabels, labelColumns } from '../../src/render/label-columns.ts';
import { documentRenderer } from '../../src/render/output.ts';
import { terminalSafeCell, terminalSafeText } from '../../src/render/terminal-text.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ESC = String.fromCharCode(27);
const HOSTILE = `evil${ESC}]0;pwned\u0007${ESC}[2J\r\nnext\tcol\u009b31m\u007f`;

function usageMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(StsError);
    expect((error as StsError).exitCode).toBe(2);
    return (error as StsError).message;
  }
  throw new Error('expected a usage error');
}

describe('text from the cluster on a terminal', () => {
  it('a table cell shows every control character (as kubectl: ESC as ^[, CR as \\r; others in caret notation)', () => {
    expect(terminalSafeCell(HOSTILE)).toBe('evil^[]0;pwned^G^[[2J\\r^Jnext^Icol<U+009B>31m^?');
  });

  it('jsonpath output keeps its newlines and tabs, and is untouched into a pipe', () => {
    expect(terminalSafeText(HOSTILE, true)).toBe('evil^[]0;pwned^G^[[2J\\r\nnext\tcol<U+009B>31m^?');
    expect(terminalSafeText(HOSTILE, false)).toBe(HOSTILE);
  });

  it('custom-columns and jsonpath go through it', async () => {
    const document = { items: [{ name: HOSTILE }] };
    const printable = { document, items: document.items, nameOf: () => 'x' };
    const columns = await documentRenderer(toOutputOptions({ output: 'custom-columns=N:.name' }, {}, {}));
    expect(columns!(printable)).toBe('N\nevil^[]0;pwned^G^[[2J\\r^Jnext^Icol<U+009B>31m^?\n');
    const jsonpath = toOutputOptions({ output: 'jsonpath={.items[0].name}' }, {}, {});
    expect((await documentRenderer(jsonpath, { isTTY: true }))!(printable)).not.toContain(ESC);
    expect((await documentRenderer(jsonpath, { isTTY: false }))!(printable)).toBe(HOSTILE);
  });
});

describe('-o name', () => {
  it('names each item, or the one report, as kubectl names a StatefulSet', async () => {
    const render = (await documentRenderer<{ n: string }>(toOutputOptions({ output: 'name' }, {}, {})))!;
    const items = [{ n: 'web' }, { n: 'db' }];
    expect(render({ document: { items }, items, nameOf: (item) => item!.n })).toBe(
      'statefulset.apps/web\nstatefulset.apps/db\n',
    );
    expect(render({ document: {}, nameOf: () => 'web' })).toBe('statefulset.apps/web\n');
    expect(render({ document: { items: [] }, items: [], nameOf: () => '' })).toBe('');
  });
});

describe('label columns', () => {
  it('heads each -L column with the key’s last segment in capitals, then LABELS', () => {
    const columns = labelColumns({ labelColumns: ['app.kubernetes.io/name', 'tier'], showLabels: true })!;
    expect(columns.headers).toEqual(['NAME', 'TIER', 'LABELS']);
    expect(columns.cells({ tier: 'data', 'app.kubernetes.io/name': 'pg' })).toEqual([
      'pg',
      'data',
      'app.kubernetes.io/name=pg,tier=data',
    ]);
    expect(columns.cells({})).toEqual(['', '', '<none>']);
    expect(labelColumns({ labelColumns: [], showLabels: false })).toBeUndefined();
    expect(formatLabels({ b: '2', a: '1' })).toBe('a=1,b=2');
  });

  it('-L takes comma-separated keys and repeats', () => {
    expect(
      toListOptions({ 'label-columns': ['app,tier', 'zone'] }, undefined, 'status').labelColumns,
    ).toEqual(['app', 'tier', 'zone']);
  });
});

describe('-o values', () => {
  it('reads jsonpath-file and custom-columns-file', () => {
    const template = path.join(dir, 'template.jsonpath');
    writeFileSync(template, '{.statefulSet.name}\n');
    const columns = path.join(dir, 'columns.txt');
    writeFileSync(columns, 'NAME READY\n.name .replicas.ready\n');
    expect(toOutputOptions({ output: `jsonpath-file=${template}` }, {}, {}).jsonPath?.source).toBe(
      '{.statefulSet.name}\n',
    );
    expect(
      toOutputOptions({ output: `custom-columns-file=${columns}` }, {}, {}).customColumns?.map(
        (c) => c.header,
      ),
    ).toEqual(['NAME', 'READY']);
  });

  it.each([
    [
      'xml',
      'unable to match a printer suitable for the output format "xml", allowed formats are: custom-columns,custom-columns-file,json,jsonpath,jsonpath-file,name,table,wide,yaml',
    ],
    ['json=x', 'unable to match a printer suitable for the output format "json=x"'],
    ['jsonpath', 'template format specified but no template given'],
    ['jsonpath=', 'template format specified but no template given'],
    ['jsonpath={.a', 'error parsing jsonpath {.a, unclosed action'],
    [
      'jsonpath-file=/no/such/file',
      'cannot read the template file "/no/such/file" for -o jsonpath-file: no such file',
    ],
    ['custom-columns', 'custom-columns format specified but no custom columns given'],
    [
      'custom-columns=A:{.a',
      "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'",
    ],
  ])('-o %s: %s', (value, message) => {
    expect(usageMessage(() => toOutputOptions({ output: value }, {}, {}))).toContain(message);
  });

  it('verify-pvc keeps its four formats', () => {
    expect(usageMessage(() => toOutputOptions({ output: 'name' }, {}, {}, OUTPUT_FORMATS))).toBe(
      'unable to match a printer suitable for the output format "name", allowed formats are: json,table,wide,yaml',
    );
  });
});
