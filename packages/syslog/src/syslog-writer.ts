import * as crypto from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import {
  type DeadlineOptions,
  FaninError,
  FaninWriteError,
  type FlushOutcome,
  registerExitFlush,
  type Writer,
  type WriterStats,
} from '@fanin/core';
import {
  defaultNotice,
  EndOfTurn,
  errnoCode,
  LossLedger,
  StatsCounter,
  warnOnce,
} from '@fanin/core/internal';
import { openShipping, type Shipping } from './shipping.js';
import type { Spool } from './spool.js';
import { SyslogMessage } from './syslog-message.js';
import {
  type ResolvedOptions,
  resolveOptions,
  type SyslogWriterOptions,
} from './syslog-options.js';

/** Shipping counters, beside the usual writer stats. */
export interface SyslogStats {
  /** Frames sent (a resent frame counts again). */
  sent: number;
  /** Records the collector acknowledged (`rsp 200`): `records` counts the same. */
  acknowledged: number;
  /** Frames sent again on a new session: each may be at the collector twice (same `w`, `s`). */
  resent: number;
  /** Sessions opened after the first. */
  reconnects: number;
  /** `rsp 500` answers (the record is resent, and dropped as `refused` after `maxRefusals`). */
  refused: number;
  /** Bytes of spool segments on disk (acknowledged head of the oldest segment included). */
  spooledBytes: number;
  /** Spool directories of dead processes this writer took over. */
  adopted: number;
  /** True while a RELP session is open. */
  connected: boolean;
  /** Frames sent and not yet acknowledged. */
  inFlight: number;
  /** This writer's id (`w` in every message's structured data). */
  writerId: string;
}

/** {@link WriterStats} with the shipping counters. */
export type SyslogWriterStats = WriterStats & { syslog: SyslogStats };

const NOTICE_INTERVAL_MS = 5000;

/**
 * Ships records to a syslog collector over RELP, at least once: each record becomes an RFC 5424
 * message, is appended to this writer's spool on local disk at the end of the event-loop turn
 * (or every 64 KiB, or at exit), and is done when the collector acknowledged it. A collector that
 * is down or restarts costs nothing but duplicates (at most one window per lost session);
 * `process.exit()` costs nothing; SIGKILL of this process costs at most the records of the turn
 * it hit: the next writer on the same `spoolDir` ships the spool.
 */
export class SyslogWriter implements Writer {
  readonly #o: ResolvedOptions;
  readonly #message: SyslogMessage;
  readonly #spool: Spool;
  readonly #shipper: Shipping;
  readonly #stats = new StatsCounter();
  readonly #ledger = new LossLedger(defaultNotice);
  readonly #report: (err: FaninError) => void;
  readonly #writerId: string;
  readonly #adopted: number;
  readonly #offExit: () => void;
  // One pump per turn of the event loop, after the turn's records are in the spool: a record
  // logged alone goes out at once, a burst goes out as windows of frames.
  readonly #pump = new EndOfTurn(() => {
    this.#commit();
    this.#shipper.pump();
  });
  #seq = 0;
  #closed = false;
  // Set by the signal flush: each record reaches the spool before write() returns.
  #through = false;
  #cursorTimer: NodeJS.Timeout | undefined;
  #lossReported = false;

  constructor(options: SyslogWriterOptions, where = 'createSyslogWriter') {
    this.#o = resolveOptions(where, options);
    this.#report = options.onError ?? warnOnce;
    this.#writerId = `${process.pid}-${Date.now().toString(36)}-${crypto.randomBytes(3).toString('hex')}`;
    this.#message = new SyslogMessage(options, this.#writerId);
    let opened: ReturnType<typeof openShipping>;
    try {
      opened = openShipping(this.#o, this.#writerId, {
        report: (err) => this.#report(err),
        dropRefused: () => this.#stats.drop('refused'),
        acked: () => this.#cursorSoon(),
      });
    } catch (err) {
      const why = `${where}: cannot use spoolDir ${this.#o.spoolRoot}: ${errnoCode(err)}`;
      throw new FaninError('ERR_FANIN_OPEN', why, { cause: err });
    }
    ({ spool: this.#spool, shipping: this.#shipper, adopted: this.#adopted } = opened);
    this.#offExit = this.#o.exitHook ? registerExitFlush(this) : () => {};
  }

  write(record: string | Uint8Array, level?: string): boolean {
    if (this.#closed) return this.#drop('closed', level);
    const text = typeof record === 'string' ? record : Buffer.from(record).toString('utf8');
    const data = Buffer.from(this.#message.format(text, level, this.#seq + 1));
    if (data.length > this.#o.maxRecordBytes) return this.#drop('oversize', level);
    if (this.#spoolFull(data.length) && !this.#waitForRoom(data.length, level)) {
      return this.#drop('spool-full', level);
    }
    this.#seq++;
    if (this.#spool.append(data) || this.#through) this.#commit();
    this.#noteLosses();
    this.#pump.schedule();
    return true;
  }

  /** Writes the queued records to the spool; a failed write loses them, counted and reported. */
  #commit(): void {
    try {
      this.#spool.commit();
    } catch (err) {
      const records = (err as { records?: number }).records ?? 1;
      this.#stats.drop(errnoCode(err), records);
      this.#ledger.add(errnoCode(err), records);
      this.#reportLoss(errnoCode(err), err);
    }
  }

  // Unacknowledged bytes are bounded, not bytes on disk: the acknowledged head of the oldest
  // segment is on disk until the segment is done, so disk use stays within the bound plus one
  // segment (issue #17), and acknowledgements always make room.
  #spoolFull(bytes: number): boolean {
    return this.#shipper.unackedBytes() + bytes > this.#o.maxSpoolBytes;
  }

  /** Per the level's `whenFull`: waits (the calling thread blocks) until room or the bound. */
  #waitForRoom(bytes: number, level: string | undefined): boolean {
    const policy = this.#o.whenFull(level);
    if (policy === 'drop' || this.#shipper.block === undefined) return false;
    const ms = policy === 'block' ? Number.POSITIVE_INFINITY : policy.blockMs;
    return this.#shipper.block(
      ms,
      () => !this.#spoolFull(bytes),
      () => this.#commit(),
    );
  }

  #drop(reason: string, level?: string): false {
    this.#stats.drop(reason, 1, level);
    if (reason === 'closed') return false;
    this.#ledger.add(reason, 1, level);
    this.#reportLoss(reason);
    return false;
  }

  #reportLoss(reason: string, cause?: unknown): void {
    if (!this.#lossReported) {
      this.#lossReported = true;
      const msg = `fanin syslog: records dropped (${reason}); counted in stats().dropped`;
      this.#report(new FaninWriteError('ERR_FANIN_WRITE', reason, 1, msg, cause));
    }
  }

  /** Once there is room again, the loss account goes to the collector as a warning record. */
  #noteLosses(): void {
    const notice = this.#ledger.due(false, NOTICE_INTERVAL_MS);
    if (notice === undefined) return;
    const data = Buffer.from(this.#message.format(notice, 'warning', this.#seq + 1));
    if (this.#spoolFull(data.length)) return;
    this.#seq++;
    this.#spool.append(data);
    this.#ledger.written();
    this.#lossReported = false;
  }

  #cursorSoon(): void {
    if (this.#cursorTimer) return;
    this.#cursorTimer = setTimeout(() => {
      this.#cursorTimer = undefined;
      this.#shipper.persist();
    }, this.#o.cursorIntervalMs).unref();
  }

  /**
   * Resolves when every record written so far is acknowledged, or — the collector being
   * unreachable — in the spool, or at the deadline. `abandoned` is always 0: what is not
   * acknowledged stays spooled for the next session or the next start.
   */
  flush(options: DeadlineOptions = {}): Promise<FlushOutcome> {
    return this.#settle(options.timeoutMs ?? Number.POSITIVE_INFINITY, true);
  }

  async #settle(ms: number, untilOutage: boolean): Promise<FlushOutcome> {
    this.#commit();
    const before = this.#shipper.counters.acknowledged;
    const done = await this.#shipper.settle(ms, untilOutage);
    this.#shipper.persist();
    const written = this.#shipper.counters.acknowledged - before;
    return { written, abandoned: 0, timedOut: !done && !(untilOutage && this.#shipper.inOutage) };
  }

  /** After the signal flush (core's exit hook): no turn ends any more, so each record is spooled now. */
  writeThrough(): void {
    this.#through = true;
  }

  /** Writes queued records to the spool and persists the ack cursor. Safe in an `'exit'` handler. */
  flushSync(): FlushOutcome {
    this.#commit();
    this.#shipper.persist();
    return { written: 0, abandoned: 0, timedOut: false };
  }

  /**
   * Waits until every record is acknowledged — through an outage too, reconnecting at once and
   * then with back-off — or the deadline (default 10 s) passes; ends the session; keeps the spool
   * for the next start unless drained. `timedOut` tells that records stayed in the spool.
   */
  async close(options: DeadlineOptions = {}): Promise<FlushOutcome> {
    if (this.#closed) return { written: 0, abandoned: 0, timedOut: false };
    const outcome = await this.#settle(options.timeoutMs ?? 10_000, false);
    this.#closed = true;
    clearTimeout(this.#cursorTimer);
    await this.#shipper.close(1000);
    this.#offExit();
    return outcome;
  }

  stats(): SyslogWriterStats {
    const c = this.#shipper.counters;
    this.#stats.records = c.acknowledged;
    const spooledBytes = this.#shipper.spooledBytes();
    const base = this.#stats.snapshot(Math.max(0, this.#seq - c.acknowledged), spooledBytes);
    const syslog: SyslogStats = {
      ...c,
      spooledBytes,
      adopted: this.#adopted,
      connected: this.#shipper.connected,
      inFlight: this.#shipper.inFlight,
      writerId: this.#writerId,
    };
    return { ...base, retries: c.resent, syslog };
  }

  /**
   * The shipper's worker thread, for monitoring; `undefined` when the shipper runs on this
   * thread (every level `whenFull: 'drop'`). If it dies, shipping goes on on this thread.
   */
  get shipThread(): Worker | undefined {
    return this.#shipper.thread;
  }

  /** Calls back once the records written so far are in the spool (the end of this turn). */
  onWritten(callback: () => void): void {
    setImmediate(callback);
  }

  noteDropped(reason: string, records: number, level?: string): void {
    this.#stats.drop(reason, records, level);
    this.#ledger.add(reason, records, level);
  }
}

/**
 * Creates a {@link SyslogWriter}: the framework-free RELP shipper.
 *
 * @example
 * const writer = createSyslogWriter({ target: 'relp://127.0.0.1:2514', appName: 'api' });
 * writer.write('{"msg":"hello"}\n', 'info');
 * await writer.close();
 */
export function createSyslogWriter(options: SyslogWriterOptions, where?: string): SyslogWriter {
  return new SyslogWriter(options, where);
}
