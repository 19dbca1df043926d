import type { FaninError } from '../contract/errors.js';
import type { FileEventListener } from '../contract/file-events.js';
import type { RotationPolicy } from '../rotation/rotation-policy.js';
import { SizeRotation, type SizeRotationOptions } from '../rotation/size-rotation.js';
import { TimeRotation, type TimeRotationOptions } from '../rotation/time-rotation.js';
import type { FileDriver } from '../system/file-driver.js';

/** Options of `FileTarget`. */
export interface FileTargetOptions {
  filename?: string;
  /** Write to this descriptor instead of a path; it is never closed or reopened. */
  fd?: number;
  /** @default 0o666 (less the umask), as `fs.createWriteStream` */
  mode?: number;
  /** Create missing parent directories. @default true */
  mkdir?: boolean;
  /**
   * How often, at most, the path is checked to still name the open file (a `stat` before a
   * batch). After a rename or delete is noticed, no record goes into the old file.
   * @default 100
   */
  reopenCheckMs?: number;
  /** Chunk size for pipes, FIFOs, sockets and terminals. @default 4096 (PIPE_BUF) */
  chunkBytes?: number;
  /**
   * How long one write to a full pipe or FIFO may keep failing with EAGAIN (waiting on the
   * calling thread, 1 ms doubling to 100 ms) before its records are dropped. @default 2000
   */
  eagainTimeoutMs?: number;
  driver?: FileDriver;
  /** Size rotation across processes; off when absent. */
  rotation?: SizeRotationOptions;
  /** Time rotation across processes; off when absent. */
  timeRotation?: TimeRotationOptions;
  /** Told once about conditions that are not errors, such as a network file system. */
  onWarning?: (message: string) => void;
  /** Told of each open, rotation, archive, removal and close this target (or its rotation) did. */
  onFileEvent?: FileEventListener;
  /** Where a throwing `onFileEvent` listener is reported. @default one process warning */
  onError?: (err: FaninError) => void;
}

/** The rotation policy the options ask for, if any. */
export function policyFor(
  file: string,
  driver: FileDriver,
  o: FileTargetOptions,
): RotationPolicy | undefined {
  const common = { mode: o.mode };
  if (o.rotation) return new SizeRotation(file, driver, { ...common, ...o.rotation });
  if (o.timeRotation) return new TimeRotation(file, driver, { ...common, ...o.timeRotation });
  return undefined;
}
