// In-memory file trees and the mount table a container sees. Each PersistentVolume, emptyDir
// and container root is one FileTree; a Vfs stitches the trees a container mounts into one
// absolute namespace, the way the kernel's mount table does for a real container.

export type FsErrorCode = 'ENOENT' | 'EISDIR' | 'ENOTDIR' | 'EEXIST' | 'EROFS' | 'ENOTEMPTY' | 'EBUSY';

export class FsError extends Error {
  readonly code: FsErrorCode;
  constructor(code: FsErrorCode) {
    super(code);
    this.code = code;
  }
}

type FsNode = { kind: 'dir' } | { kind: 'file'; data: Buffer };

/** One file system: paths inside it are absolute from its own root (`/`, `/a/b`). */
export class FileTree {
  private readonly nodes = new Map<string, FsNode>([['/', { kind: 'dir' }]]);

  kind(path: string): 'file' | 'dir' | undefined {
    return this.nodes.get(path)?.kind;
  }

  read(path: string): Buffer {
    const node = this.nodes.get(path);
    if (!node) throw new FsError(this.missingCode(path));
    if (node.kind === 'dir') throw new FsError('EISDIR');
    return node.data;
  }

  size(path: string): number {
    const node = this.nodes.get(path);
    return node?.kind === 'file' ? node.data.length : 0;
  }

  write(path: string, data: Buffer, append = false): void {
    this.requireParentDir(path);
    const node = this.nodes.get(path);
    if (node?.kind === 'dir') throw new FsError('EISDIR');
    const previous = append && node ? node.data : Buffer.alloc(0);
    this.nodes.set(path, { kind: 'file', data: Buffer.concat([previous, data]) });
  }

  mkdir(path: string, parents = false): void {
    if (path === '/') {
      if (parents) return;
      throw new FsError('EEXIST');
    }
    const existing = this.nodes.get(path);
    if (existing) {
      if (parents && existing.kind === 'dir') return;
      throw new FsError('EEXIST');
    }
    if (parents) {
      const parent = parentOf(path);
      if (this.nodes.get(parent)?.kind === 'file') throw new FsError('ENOTDIR');
      this.mkdir(parent, true);
    } else {
      this.requireParentDir(path);
    }
    this.nodes.set(path, { kind: 'dir' });
  }

  /** Removes a file, or a directory with everything below it when `recursive`. */
  remove(path: string, recursive: boolean): void {
    const node = this.nodes.get(path);
    if (!node) throw new FsError(this.missingCode(path));
    if (node.kind === 'dir') {
      if (!recursive) throw new FsError('EISDIR');
      const prefix = path === '/' ? '/' : `${path}/`;
      for (const key of [...this.nodes.keys()])
        if (key.startsWith(prefix) && key !== '/') this.nodes.delete(key);
      if (path === '/') return;
    }
    this.nodes.delete(path);
  }

  /** Names directly inside a directory, sorted as the C locale sorts them. */
  list(path: string): string[] {
    const node = this.nodes.get(path);
    if (!node) throw new FsError(this.missingCode(path));
    if (node.kind === 'file') throw new FsError('ENOTDIR');
    const prefix = path === '/' ? '/' : `${path}/`;
    const names: string[] = [];
    for (const key of this.nodes.keys()) {
      if (key === path || !key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      if (!rest.includes('/')) names.push(rest);
    }
    return names.sort(compareBytes);
  }

  private requireParentDir(path: string): void {
    const parent = this.nodes.get(parentOf(path));
    if (!parent) throw new FsError(this.missingCode(parentOf(path)));
    if (parent.kind !== 'dir') throw new FsError('ENOTDIR');
  }

  /** ENOENT, unless some ancestor is a file (then the kernel says ENOTDIR). */
  private missingCode(path: string): FsErrorCode {
    for (let p = parentOf(path); p !== '/'; p = parentOf(p)) {
      if (this.nodes.get(p)?.kind === 'file') return 'ENOTDIR';
    }
    return 'ENOENT';
  }
}

export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function parentOf(path: string): string {
  const index = path.lastIndexOf('/');
  return index <= 0 ? '/' : path.slice(0, index);
}

export function baseName(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1) || '/';
}

/** Resolves `path` against `cwd`, folding `.`, `..` and repeated slashes. */
export function normalizePath(path: string, cwd = '/'): string {
  const parts: string[] = [];
  const joined = path.startsWith('/') ? path : `${cwd}/${path}`;
  for (const part of joined.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

export interface Mount {
  /** Absolute path in the container. */
  path: string;
  tree: FileTree;
  /** Directory inside the tree that appears at `path` (`/` unless a subPath is used). */
  root: string;
  readOnly: boolean;
}

const DEV_NULL = '/dev/null';

/** A container's view: the longest matching mount path wins, as with real mounts. */
export class Vfs {
  private readonly mounts: Mount[];

  constructor(mounts: Mount[]) {
    // Deepest first so that lookups find the innermost mount.
    this.mounts = [...mounts].sort((a, b) => b.path.length - a.path.length);
  }

  locate(path: string): { tree: FileTree; inner: string; mount: Mount } {
    for (const mount of this.mounts) {
      if (path === mount.path || mount.path === '/' || path.startsWith(`${mount.path}/`)) {
        const rest = mount.path === '/' ? path : path.slice(mount.path.length);
        const inner = normalizePath(`${mount.root}/${rest}`);
        return { tree: mount.tree, inner, mount };
      }
    }
    throw new Error(`no root mount for ${path}`);
  }

  kind(path: string): 'file' | 'dir' | undefined {
    if (path === DEV_NULL) return 'file';
    const { tree, inner } = this.locate(path);
    return tree.kind(inner);
  }

  size(path: string): number {
    const { tree, inner } = this.locate(path);
    return tree.size(inner);
  }

  read(path: string): Buffer {
    if (path === DEV_NULL) return Buffer.alloc(0);
    const { tree, inner } = this.locate(path);
    return tree.read(inner);
  }

  write(path: string, data: Buffer, append = false): void {
    if (path === DEV_NULL) return;
    const { tree, inner } = this.writable(path);
    tree.write(inner, data, append);
  }

  mkdir(path: string, parents = false): void {
    if (parents) {
      // Walk down so that each component is created in whichever mount owns it.
      let current = '';
      for (const part of path.split('/').filter(Boolean)) {
        current = `${current}/${part}`;
        const kind = this.kind(current);
        if (kind === 'dir') continue;
        if (kind === 'file') throw new FsError(current === path ? 'EEXIST' : 'ENOTDIR');
        const { tree, inner } = this.writable(current);
        tree.mkdir(inner);
      }
      return;
    }
    const { tree, inner } = this.writable(path);
    tree.mkdir(inner);
  }

  remove(path: string, recursive: boolean): void {
    if (this.mounts.some((m) => m.path === path && m.path !== '/')) {
      // A mount point itself cannot be removed; its contents can.
      const { tree, inner } = this.writable(path);
      if (!recursive) throw new FsError('EISDIR');
      for (const name of tree.list(inner)) tree.remove(normalizePath(`${inner}/${name}`), true);
      throw new FsError('EBUSY');
    }
    const { tree, inner } = this.writable(path);
    tree.remove(inner, recursive);
  }

  list(path: string): string[] {
    const { tree, inner } = this.locate(path);
    return tree.list(inner);
  }

  private writable(path: string): { tree: FileTree; inner: string; mount: Mount } {
    const found = this.locate(path);
    if (found.mount.readOnly) throw new FsError('EROFS');
    return found;
  }
}
