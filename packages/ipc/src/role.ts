import type { DeadlineOptions, FlushOutcome, IpcStats } from '@fanin/core';
import type { PeerSink } from './peer.js';

/** What `stats().ipc.role` and `IpcWriter.role` say. */
export type RoleName = IpcStats['role'];

/**
 * What the IPC writer does in its present role — writer (this process writes the file),
 * forwarder (it sends to the writer process; 'connecting' until welcomed), direct (it writes for
 * itself, with no writer to send to). The writer holds one at a time and swaps it when the
 * role changes; each is also the sink its hub writes peers' records to.
 */
export interface Role extends PeerSink {
  readonly name: RoleName;
  /** One of this process's records (a string; the writer checked it is not closed). */
  write(record: string, level: string | undefined): boolean;
  /** The loss notice: into the log by this role's path, never lost to a full buffer. */
  writeNotice(text: string): void;
  flush(options: DeadlineOptions): Promise<FlushOutcome>;
  /**
   * At exit: everything this process holds goes to the file, synchronously. With `deadlineAt`
   * (at a signal: the process dies right after) every wait ends by then, and nothing is left
   * to messages posted to this process's main thread (it will not read them).
   */
  flushSync(deadlineAt?: number): FlushOutcome;
  /** close(): what the writer did not acknowledge by the deadline; how many records written. */
  settleForClose(): number;
  onWritten(callback: () => void): void;
}
