// Each archive's executable is checked against its platform by its header (a Linux archive
// renamed darwin must not be published): the formats on small synthetic headers.
import { describe, expect, it } from 'vitest';
import { formatMismatch, readExecutableFormat } from '../../scripts/lib/executable-format.ts';
import { RELEASE_TARGETS, findTarget, targetId } from '../../scripts/lib/targets.ts';
import { elfHeader, fatMachOHeader, headerFor, machOHeader, peHeader } from './executable-headers.ts';

describe('readExecutableFormat', () => {
  it.each([
    { name: 'ELF x86-64', header: elfHeader(0x3e), format: { container: 'ELF', machine: 'x86-64', arch: 'amd64' } },
    { name: 'ELF aarch64', header: elfHeader(0xb7), format: { container: 'ELF', machine: 'aarch64', arch: 'arm64' } },
    { name: '32-bit ELF', header: elfHeader(0x03, { is64: false }), format: { container: 'ELF', machine: '32-bit i386' } },
    {
      name: 'big-endian ELF',
      header: elfHeader(0xb7, { littleEndian: false }),
      format: { container: 'ELF', machine: 'big-endian aarch64' },
    },
    { name: 'ELF of another machine', header: elfHeader(0x15), format: { container: 'ELF', machine: 'machine 0x15' } },
    {
      name: 'Mach-O x86_64',
      header: machOHeader(0x01000007),
      format: { container: 'Mach-O', machine: 'x86_64', arch: 'amd64' },
    },
    { name: 'Mach-O arm64', header: machOHeader(0x0100000c), format: { container: 'Mach-O', machine: 'arm64', arch: 'arm64' } },
    {
      name: 'a universal Mach-O',
      header: fatMachOHeader([0x01000007, 0x0100000c]),
      format: { container: 'Mach-O', machine: 'universal (x86_64, arm64)' },
    },
    { name: 'PE amd64', header: peHeader(0x8664), format: { container: 'PE', machine: 'amd64', arch: 'amd64' } },
    { name: 'PE arm64', header: peHeader(0xaa64, 0x100), format: { container: 'PE', machine: 'arm64', arch: 'arm64' } },
    { name: 'PE i386', header: peHeader(0x14c), format: { container: 'PE', machine: 'i386' } },
    { name: 'a shell script', header: Buffer.from('#!/bin/sh\nexec node "$0"\n'), format: 'a script (#!/bin/sh)' },
    { name: 'text', header: Buffer.from('linux/amd64 pretending to be a binary'), format: 'not an executable (it starts with 6c696e75)' },
    { name: 'a truncated ELF header', header: elfHeader(0x3e).subarray(0, 12), format: 'too short to be an executable (12 bytes)' },
    {
      name: 'a PE header past what was read',
      header: peHeader(0x8664, 0x2000).subarray(0, 0x100),
      format: 'a DOS/PE file whose PE header (at 0x2000) was not read',
    },
  ])('$name', ({ header, format }) => {
    expect(readExecutableFormat(header)).toEqual(format);
  });
});

describe('formatMismatch', () => {
  it.each(RELEASE_TARGETS.map((target) => [targetId(target), target] as const))(
    '%s accepts its own format and refuses every other platform\'s',
    (_, target) => {
      expect(formatMismatch(target, headerFor(target))).toBeUndefined();
      for (const other of RELEASE_TARGETS.filter((t) => t !== target)) {
        expect(formatMismatch(target, headerFor(other)), targetId(other)).toBeDefined();
      }
    },
  );

  it.each([
    ['linux/amd64', elfHeader(0xb7), 'ELF aarch64, not ELF x86-64'],
    ['darwin/arm64', elfHeader(0x3e), 'ELF x86-64, not Mach-O arm64'],
    ['darwin/arm64', machOHeader(0x01000007), 'Mach-O x86_64, not Mach-O arm64'],
    ['darwin/amd64', fatMachOHeader([0x01000007, 0x0100000c]), 'Mach-O universal (x86_64, arm64), not Mach-O x86_64'],
    ['windows/amd64', peHeader(0x14c), 'PE i386, not PE amd64'],
    ['linux/arm64', elfHeader(0xb7, { is64: false }), 'ELF 32-bit aarch64, not ELF aarch64'],
  ])('%s refuses %#: %s', (id, header, message) => {
    expect(formatMismatch(findTarget(id)!, header)).toBe(message);
  });
});
