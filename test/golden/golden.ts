// Golden files: compare rendered output with a committed file, or rewrite the file when
// UPDATE_GOLDEN=1 (`npm run golden`). Review the diff of a regenerated golden like code.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const ROOT = dirname(fileURLToPath(import.meta.url));

/** Asserts that `actual` equals test/golden/<relativePath>, or rewrites it under UPDATE_GOLDEN=1. */
export function expectGolden(relativePath: string, actual: string): void {
  const file = join(ROOT, relativePath);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`golden file test/golden/${relativePath} is missing; run "npm run golden" and review it`);
  }
  expect(actual, `output differs from test/golden/${relativePath} (regenerate with "npm run golden")`).toBe(
    expected,
  );
}
