import type { DeadlineOptions, FlushOutcome, WhenFull } from '@fanin/core';
import { recordSize } from '@fanin/core/internal';
import type { Forwarder } from './forwarder.js';
import { type BytesBatch, textOfBytes } from './frames.js';
import type { IpcAccount } from './ipc-account.js';
import type { LocalWriter } from './local-writer.js';
import type { Role, RoleName } from './role.js';
import { fromTextBatch, type TextBatch } from './text-batch.js';

/**
 * What the forwarder and direct roles share: this process's records not yet done wait in the
 * forwarder (until acknowledged, or written here), and it has its own file writer for what it
 * writes itself. Flushing waits for both; at exit the forwarder's records go to the file here.
 */
export abstract class OwnRecordsRole implements Role {
  abstract readonly name: RoleName;
  protected readonly fwd: Forwarder;
  protected readonly local: LocalWriter;
  readonly #exitTimeoutMs: number;

  constructor(fwd: Forwarder, local: LocalWriter, exitTimeoutMs: number) {
    this.fwd = fwd;
    this.local = local;
    this.#exitTimeoutMs = exitTimeoutMs;
  }

  abstract write(record: string, level: string | undefined): boolean;
  abstract writeNotice(text: string): void;
  abstract whenWritten(callback: () => void): void;

  // A peer's batch (a worker thread's, in this process) takes the record path of this role.
  writeBatch(batch: TextBatch | BytesBatch): number {
    const { records, levels } = fromTextBatch('bytes' in batch ? textOfBytes(batch) : batch);
    for (let i = 0; i < records.length; i++) {
      this.write(records[i] as string, (levels[i] as string) || undefined);
    }
    return records.length;
  }

  settled(): Promise<unknown> {
    return Promise.resolve();
  }

  async flush(options: DeadlineOptions): Promise<FlushOutcome> {
    const fwd = this.fwd;
    const before = fwd.acked + fwd.directWrites;
    const done = await fwd.completion.whenDone(options.timeoutMs ?? Number.POSITIVE_INFINITY);
    await this.local.existing?.flush(options);
    const ob = fwd.outbox;
    return {
      written: fwd.acked + fwd.directWrites - before,
      abandoned: done ? 0 : ob.pendingRecords + ob.inFlightRecords,
      timedOut: !done,
    };
  }

  flushSync(deadlineAt?: number): FlushOutcome {
    const atSignal = deadlineAt !== undefined;
    const left = atSignal ? Math.max(0, deadlineAt - Date.now()) : Number.POSITIVE_INFINITY;
    const written = this.fwd.exitSync(Math.min(this.#exitTimeoutMs, left), atSignal);
    const direct = this.local.existing?.flushSync();
    return { written, abandoned: direct?.abandoned ?? 0, timedOut: direct?.timedOut ?? false };
  }

  settleForClose(): number {
    return this.fwd.settleForClose();
  }

  onWritten(callback: () => void): void {
    const direct = this.local.existing;
    this.fwd.completion.onDone(direct ? () => direct.onWritten(callback) : callback);
  }
}

/**
 * This process sends its records to the writer process: `'connecting'` until a writer
 * welcomed it (records wait), then `'forwarder'`. Records over maxRecordBytes are dropped here
 * (the writer process would refuse them); a full buffer applies `whenFull`.
 */
export class ForwarderRole extends OwnRecordsRole {
  #welcomed = false;
  readonly #account: IpcAccount;
  readonly #maxRecordBytes: number | undefined;
  readonly #whenFull: WhenFull;

  constructor(
    fwd: Forwarder,
    local: LocalWriter,
    account: IpcAccount,
    o: { exitTimeoutMs: number; maxRecordBytes?: number; whenFull?: WhenFull },
  ) {
    super(fwd, local, o.exitTimeoutMs);
    this.#account = account;
    this.#maxRecordBytes = o.maxRecordBytes;
    this.#whenFull = o.whenFull ?? 'block';
  }

  get name(): RoleName {
    return this.#welcomed ? 'forwarder' : 'connecting';
  }

  /** Looking for a writer again (a new link, an election): 'connecting'. */
  connecting(): this {
    this.#welcomed = false;
    return this;
  }

  welcomed(): void {
    this.#welcomed = true;
  }

  write(record: string, level: string | undefined): boolean {
    // The writer process writes forwarded records as they come: the limit is applied here.
    const max = this.#maxRecordBytes;
    const size = max === undefined ? 0 : recordSize(record, max);
    if (max !== undefined && size > max) {
      const why = `a record of ${size} bytes is over maxRecordBytes (${max})`;
      return this.#account.drop('oversize', level, why);
    }
    if (this.fwd.add(record, level ?? '')) return true;
    if (this.#whenFull === 'drop') {
      return this.#account.drop(
        'queue-full',
        level,
        'the forwarding buffer (maxBufferBytes) is full',
      );
    }
    // The event loop that would drain the buffer cannot run while this call waits: instead of
    // waiting, this process writes its backlog and the record itself (one write(2) each batch).
    this.fwd.overflow(record, level ?? '');
    return true;
  }

  // With the records when there is room, else (the buffer full) written here: a loss report
  // must not be lost to the loss it reports.
  writeNotice(text: string): void {
    if (this.fwd.add(text, 'warn')) return;
    const writer = this.local.writer;
    writer.write(text, 'warn');
    writer.flushSync();
  }

  // Forwarded on, not written here: acknowledged at once (a worker thread's batch reaches the
  // writer process through this one's buffer, which its close and exit settle).
  whenWritten(callback: () => void): void {
    callback();
  }
}
