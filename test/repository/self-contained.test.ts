// A user's clone has nothing beside it: no file in the repository may read a path outside it.
// The check is static (a dynamic one would have to run every test twice): every path literal a
// file builds relative to itself must resolve inside the repository, and no file may name the
// workplace's `shared` folder at all.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CODE = /\.(ts|js|cjs|mjs|sh)$|^bin\/[^/.]+$|^\.ci\//;

/** Paths, relative to the file at `file`, that the text refers to and that leave the repository. */
export function escapingReferences(file: string, text: string): string[] {
  const dir = path.dirname(path.join(ROOT, file));
  const found: string[] = [];
  const outside = (target: string): boolean => {
    const relative = path.relative(ROOT, target);
    return relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
  };
  // 'a/../b', '../x' and new URL('../../x', import.meta.url) in quotes or backquotes.
  for (const match of text.matchAll(/['"`]((?:\.\.?\/)+[^'"`$]*)/g)) {
    if (outside(path.resolve(dir, match[1]!))) found.push(match[1]!);
  }
  // join(import.meta.dirname, '..', '..', ...) / resolve(__dirname, '..', ...).
  for (const match of text.matchAll(
    /(?:import\.meta\.dirname|__dirname|ROOT|root)\s*,((?:\s*['"]\.\.['"]\s*,?)+)/g,
  )) {
    const ups = match[1]!.match(/\.\./g)!.length;
    const base = /ROOT|root/.test(match[0]) ? ROOT : dir;
    if (outside(path.resolve(base, ...Array<string>(ups).fill('..')))) found.push(match[0]);
  }
  // The workplace's shared folder, however the path is spelled.
  for (const match of text.matchAll(/['"`/]shared['"`/]/g)) {
    const line = text.slice(0, match.index).split('\n').length;
    found.push(`'shared' at line ${line}`);
  }
  return found;
}

describe('the repository reads nothing outside itself', () => {
  const files = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((file) => CODE.test(file) && file !== 'test/repository/self-contained.test.ts');

  it('lists the files it checks', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain('bin/kubectl-sts');
  });

  it('no tracked source, test or script refers to a path outside the repository', () => {
    const offenders = files.flatMap((file) =>
      escapingReferences(file, readFileSync(path.join(ROOT, file), 'utf8')).map(
        (reference) => `${file}: ${reference}`,
      ),
    );
    expect(offenders).toEqual([]);
  });

  it.each([
    ['test/report/x.test.ts', 'new URL(`../../../shared/fixtures/k9s/${name}`, import.meta.url)'],
    ['test/conformance/x.test.ts', "join(import.meta.dirname, '..', '..', '..', 'fixtures')"],
    ['scripts/lib/x.ts', "path.join(REPO_ROOT, '../shared/fixtures/todo-db.yaml')"],
    ['test/sim/x.ts', "join(root, '..', 'shared', 'fixtures')"],
    ['test/x.test.ts', "readFileSync('../../etc/passwd')"],
  ])('would catch %s: %s', (file, line) => {
    expect(escapingReferences(file, line)).not.toEqual([]);
  });

  it.each([
    ['test/report/x.test.ts', "new URL('../fixtures/third-party/', import.meta.url)"],
    ['test/conformance/x.test.ts', "join(import.meta.dirname, '..', '..', 'bin')"],
    ['scripts/lib/x.ts', "import { x } from '../../test/helpers/fixtures.ts';"],
  ])('accepts %s: %s', (file, line) => {
    expect(escapingReferences(file, line)).toEqual([]);
  });
});
