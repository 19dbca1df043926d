import type { FileDriver, FileInfo } from '../system/file-driver.js';

/** One injected fault: fail with an errno code, or write only part of the data. */
export type Fault = { fail: string } | { short: number };

/**
 * Wraps a driver and injects faults into `write` (and `open`) calls, in order: EIO, ENOSPC,
 * EAGAIN, short writes. Faults are consumed one per call; with none queued, calls pass through.
 *
 * @example
 * const d = new FaultDriver(new MemoryDriver());
 * d.failWrites('ENOSPC', 3); // the next 3 writes fail with ENOSPC
 */
export class FaultDriver implements FileDriver {
  readonly inner: FileDriver;
  readonly #writeFaults: Fault[] = [];
  readonly #openFaults: string[] = [];
  /** Every write call, faulted or not. */
  writeCalls = 0;

  constructor(inner: FileDriver) {
    this.inner = inner;
  }

  /** The next `times` writes fail with `code`. */
  failWrites(code: string, times = 1): this {
    for (let i = 0; i < times; i++) this.#writeFaults.push({ fail: code });
    return this;
  }

  /** Drops every fault still queued: calls pass through again. */
  clearFaults(): this {
    this.#writeFaults.length = 0;
    this.#openFaults.length = 0;
    return this;
  }

  /** The next write writes only `bytes` bytes. */
  shortWrite(bytes: number): this {
    this.#writeFaults.push({ short: bytes });
    return this;
  }

  /** The next `times` opens fail with `code`. */
  failOpens(code: string, times = 1): this {
    for (let i = 0; i < times; i++) this.#openFaults.push(code);
    return this;
  }

  open(path: string, flags: number, mode: number): number {
    const code = this.#openFaults.shift();
    if (code) throw errno(code, `open '${path}'`);
    return this.inner.open(path, flags, mode);
  }

  write(fd: number, data: Uint8Array): number {
    this.writeCalls++;
    const fault = this.#writeFaults.shift();
    if (!fault) return this.inner.write(fd, data);
    if ('fail' in fault) throw errno(fault.fail, 'write');
    return this.inner.write(fd, data.subarray(0, Math.min(fault.short, data.byteLength)));
  }

  /** Faults as `write`, on the parts taken as one buffer (a short writev ends mid-part). */
  writev(fd: number, parts: Uint8Array[]): number {
    return this.write(fd, Buffer.concat(parts));
  }

  close(fd: number): void {
    this.inner.close(fd);
  }
  fstat(fd: number): FileInfo {
    return this.inner.fstat(fd);
  }
  stat(path: string): FileInfo | undefined {
    return this.inner.stat(path);
  }
  mkdirp(dir: string): void {
    this.inner.mkdirp(dir);
  }
  fsType(path: string): number | undefined {
    return this.inner.fsType(path);
  }
  rename(from: string, to: string): void {
    this.inner.rename(from, to);
  }
  unlink(path: string): void {
    this.inner.unlink(path);
  }
  readdir(dir: string): string[] {
    return this.inner.readdir(dir);
  }
  readText(path: string): string | undefined {
    return this.inner.readText(path);
  }
  readByte(fd: number, position: number): number | undefined {
    return this.inner.readByte(fd, position);
  }
  endsAt(fd: number, size: number): boolean {
    return this.inner.endsAt?.(fd, size) ?? false;
  }
  settle(fd: number): void {
    this.inner.settle?.(fd);
  }
  isSymlink(path: string): boolean {
    return this.inner.isSymlink?.(path) ?? false;
  }
}

function errno(code: string, syscall: string): Error {
  return Object.assign(new Error(`${code}: injected fault, ${syscall}`), { code, syscall });
}
