import { constants } from 'node:fs';
import type { FileDriver, FileInfo, TargetKind } from '../system/file-driver.js';

interface Inode {
  ino: number;
  kind: TargetKind;
  chunks: Buffer[];
  size: number;
  nlink: number;
  mtimeMs: number;
}

const info = (n: Inode): FileInfo => ({
  dev: 1,
  ino: n.ino,
  size: n.size,
  kind: n.kind,
  nlink: n.nlink,
  mtimeMs: n.mtimeMs,
});

const enoent = (path: string) =>
  Object.assign(new Error(`ENOENT: no such file or directory, '${path}'`), { code: 'ENOENT' });

/**
 * An in-memory file system behind the {@link FileDriver} interface: paths, inodes, descriptors,
 * rename and unlink behave as on Linux (a renamed or deleted file stays writable through an open
 * descriptor). For unit tests of writers without touching the disk.
 *
 * @example
 * const fs = new MemoryDriver();
 * const w = createFileWriter({ filename: '/logs/a.log', driver: fs });
 * w.write('x\n'); w.flushSync(); fs.read('/logs/a.log'); // 'x\n'
 */
export class MemoryDriver implements FileDriver {
  readonly #paths = new Map<string, Inode>();
  readonly #fds = new Map<number, Inode>();
  #nextIno = 1;
  #nextFd = 100;
  /** The `f_type` that `fsType` reports (set 0x6969 to pretend to be NFS). */
  fsMagic = 0x01021994;
  /** Every write call's byte count, in order. */
  readonly writes: number[] = [];

  /** Adds a non-file node (a FIFO, a directory) at `path`. */
  mknod(path: string, kind: TargetKind): void {
    this.#paths.set(path, this.#inode(kind));
  }

  /** The content at `path` as a string, or `undefined`. */
  read(path: string): string | undefined {
    const node = this.#paths.get(path);
    return node ? Buffer.concat(node.chunks).toString() : undefined;
  }

  open(path: string, flags: number, _mode: number): number {
    let node = this.#paths.get(path);
    if (!node) {
      node = this.#inode('file');
      this.#paths.set(path, node);
    } else if (flags & constants.O_EXCL && flags & constants.O_CREAT) {
      throw Object.assign(new Error(`EEXIST: file already exists, '${path}'`), { code: 'EEXIST' });
    }
    const fd = this.#nextFd++;
    this.#fds.set(fd, node);
    return fd;
  }

  write(fd: number, data: Uint8Array): number {
    const node = this.#node(fd);
    node.chunks.push(Buffer.from(data));
    node.size += data.byteLength;
    node.mtimeMs = Date.now();
    this.writes.push(data.byteLength);
    return data.byteLength;
  }

  /** One write of the parts back to back (recorded as one entry of `writes`). */
  writev(fd: number, parts: Uint8Array[]): number {
    return this.write(fd, Buffer.concat(parts));
  }

  close(fd: number): void {
    this.#node(fd);
    this.#fds.delete(fd);
  }

  fstat(fd: number): FileInfo {
    return info(this.#node(fd));
  }

  stat(path: string): FileInfo | undefined {
    const n = this.#paths.get(path);
    return n ? info(n) : undefined;
  }

  mkdirp(_dir: string): void {}

  fsType(_path: string): number | undefined {
    return this.fsMagic;
  }

  rename(from: string, to: string): void {
    const n = this.#paths.get(from);
    if (!n) throw enoent(from);
    const replaced = this.#paths.get(to);
    if (replaced && replaced !== n) replaced.nlink--;
    this.#paths.delete(from);
    this.#paths.set(to, n);
  }

  unlink(path: string): void {
    const n = this.#paths.get(path);
    if (!n) throw enoent(path);
    n.nlink--;
    this.#paths.delete(path);
  }

  readdir(dir: string): string[] {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    return [...this.#paths.keys()]
      .filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
      .map((p) => p.slice(prefix.length));
  }

  readText(path: string): string | undefined {
    return this.read(path);
  }

  readByte(fd: number, position: number): number | undefined {
    const all = Buffer.concat(this.#node(fd).chunks);
    return position >= 0 && position < all.length ? all[position] : undefined;
  }

  #inode(kind: TargetKind): Inode {
    return { ino: this.#nextIno++, kind, chunks: [], size: 0, nlink: 1, mtimeMs: Date.now() };
  }

  /** Open descriptors (to check that writers close what they open). */
  openCount(): number {
    return this.#fds.size;
  }

  #node(fd: number): Inode {
    const n = this.#fds.get(fd);
    if (!n) throw Object.assign(new Error(`EBADF: bad file descriptor ${fd}`), { code: 'EBADF' });
    return n;
  }
}
