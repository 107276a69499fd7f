// What kind of executable a file is, from its first bytes: the container format (ELF, Mach-O,
// PE) and the machine it is for. A release checks every archive's executable against the
// platform the archive is named for, so a Linux archive renamed darwin (or an arm64 build in the
// amd64 slot) fails before it is published rather than on a user's machine.
import { closeSync, openSync, readSync } from 'node:fs';
import type { ReleaseTarget } from './targets.ts';

export type ExecutableContainer = 'ELF' | 'Mach-O' | 'PE';

export interface ExecutableFormat {
  container: ExecutableContainer;
  /** The machine in the container's own words: `x86-64`, `aarch64`, `x86_64`, `arm64`, `amd64`, … */
  machine: string;
  /** The release architecture it runs on, when it is one (a 64-bit little-endian amd64/arm64). */
  arch?: 'amd64' | 'arm64';
}

/** Enough for every header read here (a PE header sits at e_lfanew, normally below 0x200). */
export const HEADER_BYTES = 4096;

// ELF e_machine, Mach-O cputype, PE Machine: the values for the two release architectures and
// the 32-bit ones a wrong build could bring.
const ELF_MACHINES: Record<number, [string, ExecutableFormat['arch']?]> = {
  0x3e: ['x86-64', 'amd64'],
  0xb7: ['aarch64', 'arm64'],
  0x03: ['i386'],
  0x28: ['arm'],
};
const MACHO_CPU_TYPES: Record<number, [string, ExecutableFormat['arch']?]> = {
  0x01000007: ['x86_64', 'amd64'],
  0x0100000c: ['arm64', 'arm64'],
  0x07: ['i386'],
  0x0c: ['arm'],
};
const PE_MACHINES: Record<number, [string, ExecutableFormat['arch']?]> = {
  0x8664: ['amd64', 'amd64'],
  0xaa64: ['arm64', 'arm64'],
  0x014c: ['i386'],
};

const hex = (value: number) => `0x${value.toString(16)}`;

function known(
  container: ExecutableContainer,
  table: Record<number, [string, ExecutableFormat['arch']?]>,
  value: number,
  qualifier = '',
): ExecutableFormat {
  const [machine, arch] = table[value] ?? [`machine ${hex(value)}`];
  return { container, machine: `${qualifier}${machine}`, ...(arch && !qualifier ? { arch } : {}) };
}

/**
 * The executable format of a file whose first bytes are `header`, or a description of what it
 * is instead (`string`): a script, a truncated header, something else.
 */
export function readExecutableFormat(header: Uint8Array): ExecutableFormat | string {
  const bytes = Buffer.from(header.buffer, header.byteOffset, header.byteLength);
  if (bytes.length >= 20 && bytes.readUInt32BE(0) === 0x7f454c46) {
    const is64 = bytes[4] === 2;
    const littleEndian = bytes[5] === 1;
    const machine = littleEndian ? bytes.readUInt16LE(18) : bytes.readUInt16BE(18);
    const qualifier = `${is64 ? '' : '32-bit '}${littleEndian ? '' : 'big-endian '}`;
    return known('ELF', ELF_MACHINES, machine, qualifier);
  }
  if (bytes.length >= 8) {
    const magic = bytes.readUInt32LE(0);
    if (magic === 0xfeedfacf) return known('Mach-O', MACHO_CPU_TYPES, bytes.readUInt32LE(4));
    if (magic === 0xfeedface) return known('Mach-O', MACHO_CPU_TYPES, bytes.readUInt32LE(4), '32-bit ');
    if (magic === 0xcffaedfe) return known('Mach-O', MACHO_CPU_TYPES, bytes.readUInt32BE(4), 'big-endian ');
    if (bytes.readUInt32BE(0) === 0xcafebabe) {
      const count = bytes.readUInt32BE(4);
      const cpus = Array.from(
        { length: Math.min(count, Math.floor((bytes.length - 8) / 20)) },
        (_, index) => known('Mach-O', MACHO_CPU_TYPES, bytes.readUInt32BE(8 + index * 20)).machine,
      );
      // A universal binary runs on each of its architectures, but a release never builds one:
      // it is reported as what it is, which matches no release platform.
      return { container: 'Mach-O', machine: `universal (${cpus.join(', ')})` };
    }
  }
  if (bytes.length >= 0x40 && bytes.toString('latin1', 0, 2) === 'MZ') {
    const peAt = bytes.readUInt32LE(0x3c);
    if (peAt + 6 > bytes.length) return `a DOS/PE file whose PE header (at ${hex(peAt)}) was not read`;
    if (bytes.readUInt32BE(peAt) !== 0x50450000) return 'a DOS executable without a PE header';
    return known('PE', PE_MACHINES, bytes.readUInt16LE(peAt + 4));
  }
  if (bytes.toString('latin1', 0, 2) === '#!') {
    const line = bytes.toString('latin1', 0, Math.min(bytes.length, 80)).split('\n')[0]!;
    return `a script (${line})`;
  }
  if (bytes.length < 20) return `too short to be an executable (${bytes.length} bytes)`;
  return `not an executable (it starts with ${bytes.subarray(0, 4).toString('hex')})`;
}

/** The executable format a release target's binary must have. */
export function expectedFormat(target: ReleaseTarget): ExecutableFormat {
  const arch = target.arch;
  if (target.os === 'linux')
    return { container: 'ELF', machine: arch === 'amd64' ? 'x86-64' : 'aarch64', arch };
  if (target.os === 'darwin')
    return { container: 'Mach-O', machine: arch === 'amd64' ? 'x86_64' : 'arm64', arch };
  return { container: 'PE', machine: arch, arch };
}

export function describeFormat(format: ExecutableFormat | string): string {
  return typeof format === 'string' ? format : `${format.container} ${format.machine}`;
}

/** Why `header` is not an executable for `target`, or undefined when it is one. */
export function formatMismatch(target: ReleaseTarget, header: Uint8Array): string | undefined {
  const found = readExecutableFormat(header);
  const expected = expectedFormat(target);
  if (typeof found !== 'string' && found.container === expected.container && found.arch === expected.arch) {
    return undefined;
  }
  return `${describeFormat(found)}, not ${describeFormat(expected)}`;
}

/** The first HEADER_BYTES of a file. */
export function readHeader(file: string): Uint8Array {
  const buffer = Buffer.alloc(HEADER_BYTES);
  const fd = openSync(file, 'r');
  try {
    return buffer.subarray(0, readSync(fd, buffer, 0, HEADER_BYTES, 0));
  } finally {
    closeSync(fd);
  }
}
