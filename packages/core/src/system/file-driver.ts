import * as fs from 'node:fs';
import * as path from 'node:path';

/** What kind of object a descriptor or path names; it decides the atomic write limit. */
export type TargetKind = 'file' | 'fifo' | 'socket' | 'char' | 'directory' | 'other';

/** The part of `stat(2)` that fanin uses. */
export interface FileInfo {
  dev: number;
  ino: number;
  size: number;
  kind: TargetKind;
  /** Links to the inode: 0 once the file was deleted while still open. */
  nlink: number;
  mtimeMs: number;
  /** Status change time (chmod, rename, unlink, write); absent where the driver does not know it. */
  ctimeMs?: number;
  /** Permission and special bits (`st_mode & 0o7777`); absent where the driver does not know them. */
  mode?: number;
}

/**
 * The file-system edge: every system call fanin makes goes through one of these, so tests can
 * drive a writer with an in-memory or fault-injecting driver instead of mocking `node:fs`.
 * All methods are synchronous and throw Node-style errors carrying an errno `code`.
 */
export interface FileDriver {
  open(path: string, flags: number, mode: number): number;
  /** Writes from `data` once; returns the bytes written, which may be fewer (a short write). */
  write(fd: number, data: Uint8Array): number;
  /**
   * Writes `parts` back to back with one `writev(2)` (one append, as whole as one `write(2)`);
   * returns the bytes written. Optional: without it, parts are joined into one `write`.
   */
  writev?(fd: number, parts: Uint8Array[]): number;
  close(fd: number): void;
  fstat(fd: number): FileInfo;
  /** `undefined` when the path does not exist. */
  stat(path: string): FileInfo | undefined;
  mkdirp(dir: string): void;
  /** The `f_type` magic number of the file system holding `path`, or `undefined` if unknown. */
  fsType(path: string): number | undefined;
  rename(from: string, to: string): void;
  /**
   * A second name for a file (link(2)); fails with EEXIST when `to` exists. Optional: the
   * rotation lock uses it to appear with its owner already written in it.
   */
  link?(from: string, to: string): void;
  unlink(path: string): void;
  /** Names in a directory (empty when it does not exist). */
  readdir(dir: string): string[];
  /** A small file's content as UTF-8, or `undefined` when it does not exist. */
  readText(path: string): string | undefined;
  /** The byte at `position` of an open file, or `undefined` if it cannot be read there. */
  readByte(fd: number, position: number): number | undefined;
  /**
   * Whether the file open at `fd` is exactly `size` bytes long and ends with a newline: one
   * `pread(2)` of two bytes at `size - 1` (one byte back means the end is there). Cheaper than
   * `fstat` where syscalls are dear and no `Stats` is built; false on any error. Optional: the
   * tail look falls back to `fstat` + `readByte` without it.
   */
  endsAt?(fd: number, size: number): boolean;
  /**
   * Whether `path` is a symbolic link (`lstat`). Optional: a driver without it is taken to have
   * none, and the file target then opens with O_NOFOLLOW after the first open.
   */
  isSymlink?(path: string): boolean;
  /**
   * Sets the permission and special bits of `path` (chmod(2)). Optional: retention marks a file
   * with it before removing it (rotation/removal-mark.ts); without it the file is removed at once.
   */
  chmod?(path: string, mode: number): void;
  /** Makes `path` a symbolic link to `target` (symlink(2)). Optional: no links are kept without it. */
  symlink?(target: string, path: string): void;
  /**
   * Returns once no append is in flight on `fd`'s file: a zero-length `write(2)`, which on ext4
   * and tmpfs takes the inode lock before it checks the count (ext4_buffered_write_iter,
   * shmem_file_write_iter), so it waits for another process's write that holds it. XFS returns
   * at once. Optional.
   */
  settle?(fd: number): void;
}

function kindOf(st: fs.Stats): TargetKind {
  if (st.isFile()) return 'file';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'char';
  if (st.isDirectory()) return 'directory';
  return 'other';
}

function info(st: fs.Stats): FileInfo {
  return {
    dev: st.dev,
    ino: st.ino,
    size: st.size,
    kind: kindOf(st),
    nlink: st.nlink,
    mtimeMs: st.mtimeMs,
    ctimeMs: st.ctimeMs,
    mode: st.mode & 0o7777,
  };
}

// fs.mkdirSync({ recursive: true }) loops forever where mkdir(2) keeps answering ENOENT although
// the parent exists (under /proc, say). Walk up to the first existing ancestor, then create each
// level once: an ENOENT after that is final.
function mkdirp(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) {
    if (path.dirname(d) === d) break;
    missing.unshift(d);
  }
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
    }
  }
}

const oneByte = Buffer.alloc(1);
const twoBytes = Buffer.alloc(2);
const empty = Buffer.alloc(0);

/**
 * The real driver over `node:fs`.
 *
 * @example
 * const fd = nodeFileDriver.open('app.log', fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_WRONLY, 0o644);
 */
export const nodeFileDriver: FileDriver = {
  open: (path, flags, mode) => fs.openSync(path, flags, mode),
  write: (fd, data) => fs.writeSync(fd, data, 0, data.byteLength),
  writev: (fd, parts) => fs.writevSync(fd, parts),
  close: (fd) => fs.closeSync(fd),
  fstat: (fd) => info(fs.fstatSync(fd)),
  stat: (path) => {
    const st = fs.statSync(path, { throwIfNoEntry: false });
    return st ? info(st) : undefined;
  },
  mkdirp: (dir) => mkdirp(dir),
  fsType: (path) => {
    try {
      return fs.statfsSync(path).type;
    } catch {
      return undefined;
    }
  },
  rename: (from, to) => fs.renameSync(from, to),
  link: (from, to) => fs.linkSync(from, to),
  unlink: (path) => fs.unlinkSync(path),
  chmod: (path, mode) => fs.chmodSync(path, mode),
  readdir: (dir) => {
    try {
      return fs.readdirSync(dir);
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return [];
      throw err;
    }
  },
  settle: (fd) => {
    fs.writeSync(fd, empty, 0, 0);
  },
  isSymlink: (path) => fs.lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() === true,
  symlink: (target, path) => fs.symlinkSync(target, path),
  readByte: (fd, position) => {
    try {
      return fs.readSync(fd, oneByte, 0, 1, position) === 1 ? oneByte[0] : undefined;
    } catch {
      return undefined;
    }
  },
  endsAt: (fd, size) => {
    try {
      return fs.readSync(fd, twoBytes, 0, 2, size - 1) === 1 && twoBytes[0] === 0x0a;
    } catch {
      return false;
    }
  },
  readText: (path) => {
    try {
      return fs.readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return undefined;
      throw err;
    }
  },
};

/**
 * `f_type` magic numbers of network file systems, from statfs(2) and linux/magic.h. On these,
 * O_APPEND does not make a write whole across clients (nfs(5): "the O_APPEND flag ... may
 * corrupt the file when more than one client writes to it").
 */
export const NETWORK_FS_TYPES: ReadonlyMap<number, string> = new Map([
  [0x6969, 'NFS'],
  [0xff534d42, 'CIFS/SMB'],
  [0xfe534d42, 'SMB2'],
  [0x517b, 'SMB'],
  [0x00c36400, 'CephFS'],
  [0x65735546, 'FUSE'],
  [0x47504653, 'GPFS'],
  [0x0bd00bd0, 'Lustre'],
]);
