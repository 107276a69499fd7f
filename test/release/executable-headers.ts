// Small synthetic executable headers, byte for byte what the real formats put first (checked
// against the official Node binaries of each platform): enough for scripts/lib/executable-format.ts
// and for archives that must look like a platform's build without weighing 40 MB.
import type { ReleaseTarget } from '../../scripts/lib/targets.ts';

/** A 64-bit little-endian ELF header for e_machine `machine` (0x3e x86-64, 0xb7 aarch64). */
export function elfHeader(machine: number, { is64 = true, littleEndian = true } = {}): Buffer {
  const header = Buffer.alloc(64);
  header.write('\x7fELF', 0, 'latin1');
  header[4] = is64 ? 2 : 1;
  header[5] = littleEndian ? 1 : 2;
  header[6] = 1;
  if (littleEndian) {
    header.writeUInt16LE(2, 16); // ET_EXEC
    header.writeUInt16LE(machine, 18);
  } else {
    header.writeUInt16BE(2, 16);
    header.writeUInt16BE(machine, 18);
  }
  return header;
}

/** A thin 64-bit Mach-O header for `cpuType` (0x01000007 x86_64, 0x0100000c arm64). */
export function machOHeader(cpuType: number): Buffer {
  const header = Buffer.alloc(32);
  header.writeUInt32LE(0xfeedfacf, 0);
  header.writeUInt32LE(cpuType, 4);
  header.writeUInt32LE(2, 12); // MH_EXECUTE
  return header;
}

/** A universal Mach-O header listing `cpuTypes`. */
export function fatMachOHeader(cpuTypes: number[]): Buffer {
  const header = Buffer.alloc(8 + 20 * cpuTypes.length);
  header.writeUInt32BE(0xcafebabe, 0);
  header.writeUInt32BE(cpuTypes.length, 4);
  cpuTypes.forEach((cpu, index) => header.writeUInt32BE(cpu, 8 + index * 20));
  return header;
}

/** A DOS stub and PE header for `machine` (0x8664 amd64, 0xaa64 arm64, 0x14c i386). */
export function peHeader(machine: number, peAt = 0x78): Buffer {
  const header = Buffer.alloc(peAt + 24);
  header.write('MZ', 0, 'latin1');
  header.writeUInt32LE(peAt, 0x3c);
  header.write('PE\0\0', peAt, 'latin1');
  header.writeUInt16LE(machine, peAt + 4);
  return header;
}

/** The header a release target's real executable starts with. */
export function headerFor(target: ReleaseTarget): Buffer {
  if (target.os === 'linux') return elfHeader(target.arch === 'amd64' ? 0x3e : 0xb7);
  if (target.os === 'darwin') return machOHeader(target.arch === 'amd64' ? 0x01000007 : 0x0100000c);
  return peHeader(target.arch === 'amd64' ? 0x8664 : 0xaa64);
}
