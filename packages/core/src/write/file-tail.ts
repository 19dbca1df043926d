import type { FileDriver } from '../system/file-driver.js';

// Looks at a growing tail (about 2 µs each): enough for a 1 MiB write in flight to end here.
const TAIL_LOOKS = 256;

/** How an open regular file ends: what the next write must start with. */
export type FileTail = 'empty' | 'newline' | 'mid-line' | 'unreadable';

/**
 * Whether the file open at `fd` ends with a newline. A writer killed by SIGKILL in the middle of
 * a write larger than a page leaves a fragment with no newline (Linux checks for fatal signals
 * between pages in generic_perform_write), as does a write cut short by ENOSPC. A write of
 * another process in flight grows i_size page by page (fstat does not take the inode lock), so
 * its tail may be mid-record: `settle` first waits for it (a zero-length write takes the inode
 * lock), then fstat gives the size and one pread the last byte. Where settle does not wait
 * (XFS), a tail that keeps growing is looked at again: a fragment does not grow. What is left: a
 * write that starts between this check and the caller's write and is cut by a kill; the next
 * record then shares its line (measured in the core README).
 *
 * @example
 * if (fileTail(driver, fd, true) === 'mid-line') lead = true;
 */
export function fileTail(driver: FileDriver, fd: number, settle: boolean): FileTail {
  if (settle) driver.settle?.(fd);
  let size = driver.fstat(fd).size;
  if (size === 0) return 'empty';
  let last = driver.readByte(fd, size - 1);
  for (let look = 0; last !== undefined && last !== 0x0a && look < TAIL_LOOKS; look++) {
    const now = driver.fstat(fd).size;
    if (now === size) break;
    size = now;
    last = driver.readByte(fd, size - 1);
  }
  if (last === undefined) return 'unreadable';
  return last === 0x0a ? 'newline' : 'mid-line';
}
