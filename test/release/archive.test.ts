// The archive writers, checked by independent readers: the system's tar and unzip, which is
// what krew's Go extractors stand in for here.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTarGz, createZip, readTar } from '../../scripts/lib/archive.ts';
import type { ArchiveEntry } from '../../scripts/lib/archive.ts';

const encoder = new TextEncoder();
const ENTRIES: ArchiveEntry[] = [
  { name: 'kubectl-sts', data: encoder.encode('#!/bin/sh\necho hi\n'), mode: 0o755 },
  { name: 'LICENSE', data: encoder.encode('Apache License\n'), mode: 0o644 },
  // Exactly one block, and one crossing a block boundary, to exercise padding.
  { name: 'block.bin', data: new Uint8Array(512).fill(7), mode: 0o644 },
  { name: 'big.bin', data: Uint8Array.from({ length: 70_001 }, (_, i) => (i * 31) % 251), mode: 0o600 },
];
const MTIME = 1_700_000_000;

let work: string;
beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-archive-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

function expectExtracted(dir: string): void {
  for (const entry of ENTRIES) {
    const file = path.join(dir, entry.name);
    expect(readFileSync(file)).toEqual(Buffer.from(entry.data));
    expect(statSync(file).mode & 0o777).toBe(entry.mode);
  }
}

describe('createTarGz', () => {
  it('is extracted by tar with the same names, contents and permissions', () => {
    const archive = path.join(work, 'a.tar.gz');
    writeFileSync(archive, createTarGz(ENTRIES, MTIME));
    const out = path.join(work, 'out');
    mkdirSync(out);
    execFileSync('tar', ['-xzf', archive, '-C', out]);
    expectExtracted(out);
    expect(statSync(path.join(out, 'LICENSE')).mtimeMs).toBe(MTIME * 1000);
  });

  it('lists entries in the order given (tar -t)', () => {
    const archive = path.join(work, 'a.tar.gz');
    writeFileSync(archive, createTarGz(ENTRIES, MTIME));
    const listing = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).trim().split('\n');
    expect(listing).toEqual(ENTRIES.map((entry) => entry.name));
  });

  it('is reproducible: the same input gives the same bytes', () => {
    expect(createTarGz(ENTRIES, MTIME).equals(createTarGz(ENTRIES, MTIME))).toBe(true);
  });

  it('refuses names that do not fit a ustar header', () => {
    expect(() =>
      createTarGz([{ name: 'x'.repeat(101), data: new Uint8Array(), mode: 0o644 }], MTIME),
    ).toThrow(/100 bytes/);
  });
});

describe('createZip', () => {
  it('passes unzip -t (CRCs and sizes) and extracts with the same contents and permissions', () => {
    const archive = path.join(work, 'a.zip');
    writeFileSync(archive, createZip(ENTRIES, MTIME));
    expect(execFileSync('unzip', ['-t', archive], { encoding: 'utf8' })).toMatch(/No errors detected/);
    const out = path.join(work, 'out');
    execFileSync('unzip', ['-q', archive, '-d', out]);
    expectExtracted(out);
  });
});

describe('readTar', () => {
  it('reads what tar wrote, including long names (as npm tarballs have)', () => {
    const source = path.join(work, 'package');
    const deep = path.join(source, 'bin', 'a'.repeat(60), 'b'.repeat(60));
    mkdirSync(deep, { recursive: true });
    writeFileSync(path.join(source, 'bin', 'node'), 'ELF');
    writeFileSync(path.join(deep, 'long.txt'), 'long');
    const archive = path.join(work, 'p.tgz');
    execFileSync('tar', ['-czf', archive, '-C', work, 'package']);
    const entries = new Map(
      readTar(readFileSync(archive)).map((entry) => [entry.name, Buffer.from(entry.data).toString()]),
    );
    expect(entries.get('package/bin/node')).toBe('ELF');
    expect(entries.get(`package/bin/${'a'.repeat(60)}/${'b'.repeat(60)}/long.txt`)).toBe('long');
  });
});
