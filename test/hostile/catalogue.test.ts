// The hostile-input catalogue stays in step: docs/reliability.md lists every case of ./cases.ts
// (regenerate the table with `UPDATE_RELIABILITY=1 npx vitest run test/hostile/catalogue.test.ts`),
// the README's reliability section counts them, and every case has a test that names it.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.ts';
import { CASES } from './cases.ts';

const DOC = join(REPO_ROOT, 'docs', 'reliability.md');
const START = '<!-- cases:start (generated from test/hostile/cases.ts) -->';
const END = '<!-- cases:end -->';

function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

function table(): string {
  const rows = CASES.map(
    (entry) =>
      `| ${entry.id} | ${entry.area} | ${cell(entry.tried)} | ${cell(entry.holds)} | ${cell(entry.kubectl)} |`,
  );
  return [
    '| case | area | tried | holds (tested) | kubectl 1.32 |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** Every test file, to find the tests that name a case. */
function testSources(dir = join(REPO_ROOT, 'test')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? testSources(join(dir, entry.name))
      : entry.name.endsWith('.test.ts') && entry.name !== 'catalogue.test.ts'
        ? [readFileSync(join(dir, entry.name), 'utf8')]
        : [],
  );
}

describe('the hostile-input catalogue', () => {
  it('ids are unique and in order within each area', () => {
    expect(new Set(CASES.map((entry) => entry.id)).size).toBe(CASES.length);
  });

  it('docs/reliability.md lists every case', () => {
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf(START);
    const end = doc.indexOf(END);
    expect(start, `${DOC} needs the markers`).toBeGreaterThan(-1);
    const current = doc.slice(start + START.length, end).trim();
    if (process.env.UPDATE_RELIABILITY === '1' && current !== table()) {
      writeFileSync(DOC, `${doc.slice(0, start + START.length)}\n${table()}\n${doc.slice(end)}`);
      return;
    }
    expect(current).toBe(table());
  });

  it('the README counts them: tried and held', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    // Every case is a test that must pass, so each one tried is one held.
    expect(readme).toContain(`${CASES.length} hostile inputs tried, ${CASES.length} held`);
  });

  it('every case has a test that names it', () => {
    const sources = testSources().join('\n');
    const missing = CASES.filter(
      (entry) => !sources.includes(`caseTitle('${entry.id}')`) && !sources.includes(`id: '${entry.id}'`),
    );
    expect(missing.map((entry) => entry.id)).toEqual([]);
  });
});
