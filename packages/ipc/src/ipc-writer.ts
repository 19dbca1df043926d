import type { ChildProcess } from 'node:child_process';
import cluster from 'node:cluster';
import { isMainThread } from 'node:worker_threads';
import { createAppendFileWriter } from '@fanin/append-file';
import {
  type BatchWriter,
  type DeadlineOptions,
  defaultNotice,
  FaninError,
  type FlushOutcome,
  LossLedger,
  recordSize,
  registerExitFlush,
  StatsCounter,
  type Writer,
  type WriterStats,
  warnOnce,
} from '@fanin/core';
import { ChannelLink } from './channel-link.js';
import { Forwarder } from './forwarder.js';
import { Hub } from './hub.js';
import { describeVia, type IpcOptions, type IpcSettings, ipcSettings } from './ipc-options.js';
import { ipcStats, mergeStats } from './merge-stats.js';
import { elect } from './socket-election.js';
import { SocketLink } from './socket-link.js';
import { ThreadLink } from './thread-link.js';

type Role = 'writer' | 'forwarder' | 'connecting' | 'direct';

const BATCH_CHARS = 32 * 1024;

/**
 * One writer in every process, the same options everywhere: the process that owns the file
 * (cluster primary, fork parent, socket owner, a thread's main thread) writes it with the
 * append-file writer; every other process forwards its records there in batches and writes
 * for itself only when it must (at exit, with no writer, on overflow). See the README for
 * what each way guarantees on exit and on the writer's death.
 */
export class IpcWriter implements Writer {
  readonly #s: IpcSettings;
  readonly #o: IpcOptions;
  readonly #where: string;
  readonly #stats = new StatsCounter();
  readonly #ledger: LossLedger;
  readonly #hub: Hub;
  readonly #fwd: Forwarder;
  readonly #unhook: () => void;
  #role: Role = 'connecting';
  #file: BatchWriter | undefined;
  #direct: BatchWriter | undefined;
  #closing = false;
  #writerLost = 0;
  #electing: Promise<void> | undefined;

  constructor(options: IpcOptions, where = 'createIpcWriter') {
    this.#s = ipcSettings(options, where);
    this.#o = options;
    this.#where = where;
    this.#ledger = new LossLedger(
      options.formatNotice === null ? null : (options.formatNotice ?? defaultNotice),
    );
    this.#hub = new Hub(
      {
        // A peer's record takes the same path as this process's own (policy and counts too).
        writeForPeer: (r, l) => this.write(r, l || undefined),
        writeBlockForPeer: (text, lens) => this.#writeBlock(text, lens),
        file: () => this.#file,
        report: (e) => this.#report(e),
      },
      this.#s.maxFrameBytes,
      options.privateSocket !== false,
    );
    this.#fwd = new Forwarder(
      {
        direct: () => this.#directWriter(),
        directTakesBlocks: () => takesBlocks(this.#directWriter(), this.#o.lazy),
        lost: (why, quiet) => this.#lost(why, quiet),
        unanswered: () => this.#unanswered(),
        welcomed: () => {
          if (this.#role === 'connecting') this.#role = 'forwarder';
        },
      },
      {
        maxBufferChars: this.#s.maxBufferChars,
        windowChars: this.#s.windowChars,
        // A batch must fit a frame the writer accepts: UTF-8 is at most 3 bytes a character
        // (4 for a surrogate pair, 2 characters), plus 5 bytes of length and level a record.
        batchChars: Math.min(BATCH_CHARS, Math.floor((this.#s.maxFrameBytes - 1024) / 4)),
        connectTimeoutMs: this.#s.connectTimeoutMs,
        ackWaitMs: this.#s.exitTimeoutMs,
        spills: options.whenFull !== 'drop',
      },
    );
    this.#start();
    this.#unhook = options.exitHook === false ? () => {} : registerExitFlush(this);
  }

  /**
   * `'writer'`, `'forwarder'`, `'connecting'` (electing, or waiting for the writer's welcome;
   * records wait) or `'direct'` (writing for itself: no writer answered).
   */
  get role(): Role {
    return this.#role;
  }

  /** In the parent of `child_process.fork` children that use `via: 'parent'`: serve `child`. */
  attach(child: ChildProcess): void {
    if (this.#role !== 'writer') {
      throw new FaninError('ERR_FANIN_OPTION', `${this.#where}: attach() needs the writer process`);
    }
    this.#hub.attach(child);
  }

  write(record: string | Uint8Array, level?: string): boolean {
    if (this.#closing) return this.#drop('closed', level);
    if (typeof record !== 'string') {
      if (!(record instanceof Uint8Array)) return this.#drop('invalid-record', level);
      record = Buffer.from(record.buffer, record.byteOffset, record.byteLength).toString('utf8');
    }
    if (this.#role === 'writer' || this.#role === 'direct') return this.#writeHere(record, level);
    // The writer process writes forwarded records as they come: the limit is applied here.
    const max = this.#s.fileOptions.maxRecordBytes;
    const size = max === undefined ? 0 : recordSize(record, max);
    if (max !== undefined && size > max) {
      this.#report(
        new FaninError(
          'ERR_FANIN_RECORD',
          `fanin: record dropped (oversize): a record of ${size} bytes is over maxRecordBytes (${max})`,
        ),
      );
      return this.#drop('oversize', level);
    }
    this.#notice();
    if (this.#fwd.add(record, level ?? '')) return true;
    const policy = this.#o.whenFull ?? 'block';
    if (policy === 'drop') return this.#drop('queue-full', level);
    // The event loop that would drain the buffer cannot run while this call waits: instead of
    // waiting, this process writes its backlog and the record itself (one write(2) each batch).
    this.#fwd.overflow(record, level ?? '');
    return true;
  }

  async flush(options: DeadlineOptions = {}): Promise<FlushOutcome> {
    if (this.#role === 'writer') return (this.#file as BatchWriter).flush(options);
    const before = this.#fwd.acked + this.#fwd.directWrites;
    const done = await this.#fwd.whenDone(options.timeoutMs ?? Number.POSITIVE_INFINITY);
    if (this.#direct) await this.#direct.flush(options);
    const ob = this.#fwd.outbox;
    return {
      written: this.#fwd.acked + this.#fwd.directWrites - before,
      abandoned: done ? 0 : ob.pendingRecords + ob.inFlightRecords,
      timedOut: !done,
    };
  }

  flushSync(): FlushOutcome {
    if (this.#role === 'writer') {
      this.#direct?.flushSync();
      const outcome = (this.#file as BatchWriter).flushSync();
      this.#hub.ackAllSync();
      return outcome;
    }
    const written = this.#fwd.exitSync(this.#s.exitTimeoutMs);
    const direct = this.#direct?.flushSync();
    return { written, abandoned: direct?.abandoned ?? 0, timedOut: direct?.timedOut ?? false };
  }

  async close(options: DeadlineOptions = {}): Promise<FlushOutcome> {
    if (this.#closing) return { written: 0, abandoned: 0, timedOut: false };
    // Worker threads' batches still on their way are written before this closes.
    await this.#hub.threadsSettled(this.#s.exitTimeoutMs);
    this.#notice(true);
    this.#closing = true;
    // A worker thread waits for its main thread at most exitTimeoutMs: its batches arrive
    // anyway, and a main thread busy until the thread ends must not hold it for long.
    const timeoutMs = this.#fwd.sendsSurviveExit
      ? Math.min(options.timeoutMs ?? 10_000, this.#s.exitTimeoutMs)
      : (options.timeoutMs ?? 10_000);
    const outcome = await this.flush({ timeoutMs });
    // Whatever the writer did not acknowledge by the deadline, this process writes itself.
    const wrote = this.#role === 'writer' ? 0 : this.#fwd.settleForClose();
    this.#fwd.disconnect();
    await this.#hub.close(1000);
    await this.#file?.close(options);
    await this.#direct?.close(options);
    this.#unhook();
    return { ...outcome, written: outcome.written + wrote, abandoned: 0 };
  }

  stats(): WriterStats {
    const ob = this.#fwd.outbox;
    const own = this.#stats.snapshot(ob.pendingRecords + ob.inFlightRecords, ob.pendingChars);
    // In the writer role the file writer and the direct writer are one object.
    const files = this.#file === this.#direct ? [this.#file] : [this.#file, this.#direct];
    const merged = mergeStats(
      own,
      files.map((w) => w?.stats()),
    );
    merged.ipc = ipcStats(this.#role, this.#fwd, this.#hub, this.#writerLost);
    return merged;
  }

  onWritten(callback: () => void): void {
    if (this.#role === 'writer') {
      (this.#file as BatchWriter).onWritten(callback);
      return;
    }
    const direct = this.#direct;
    this.#fwd.onDone(direct ? () => direct.onWritten(callback) : callback);
  }

  noteDropped(reason: string, records: number, level?: string): void {
    this.#stats.drop(reason, records, level);
    this.#ledger.add(reason, records, level);
  }

  #start(): void {
    const via = this.#s.via;
    if (!isMainThread) {
      this.#forwardOver(new ThreadLink(this.#s.file, this.#fwd.events()));
      return;
    }
    this.#hub.serveThreads(this.#s.file);
    if (via === 'cluster' && cluster.isWorker) {
      this.#forwardOver(new ChannelLink(this.#fwd.events(), this.#s.maxFrameBytes));
    } else if (via === 'cluster') {
      this.#becomeWriter();
      this.#hub.serveCluster();
    } else if (via === 'parent' && process.send) {
      this.#forwardOver(new ChannelLink(this.#fwd.events(), this.#s.maxFrameBytes));
    } else if (via === 'parent') {
      this.#becomeWriter();
    } else {
      this.#role = 'connecting';
      this.#electing = this.#elect(via.socket);
    }
  }

  #forwardOver(link: ChannelLink | SocketLink | ThreadLink): void {
    this.#role = 'connecting';
    this.#fwd.connect(link);
  }

  async #elect(socketPath: string): Promise<void> {
    try {
      // Even when close() was called meanwhile: it waits for these records to reach the file.
      const won = await elect(socketPath, this.#s.connectTimeoutMs);
      if (won.role === 'forwarder') {
        this.#forwardOver(new SocketLink(won.socket, this.#fwd.events(), this.#s.maxFrameBytes));
        return;
      }
      this.#becomeWriter();
      this.#hub.serveSocket(won.server);
      // Records logged while electing (and any a lost writer had not acknowledged) go first.
      this.#fwd.writeAllDirect();
    } catch (err) {
      this.#report(
        new FaninError(
          'ERR_FANIN_OPEN',
          `${this.#where}: cannot reach or become the writer on ${socketPath}: ${(err as Error).message}; writing directly`,
          { cause: err },
        ),
      );
      this.#goDirect();
    } finally {
      this.#electing = undefined;
    }
  }

  #becomeWriter(): void {
    this.#role = 'writer';
    // The file writer this process owns: its records, and every peer's, go through it.
    // Acknowledgements wait for the write, and the window waits for acknowledgements: the
    // writer process writes at the end of every turn rather than at most once a millisecond.
    this.#file ??= createAppendFileWriter(
      { minWriteIntervalMs: 0, ...this.#fileOptions() },
      this.#where,
    );
  }

  /** The writer for records this process writes itself while another process writes the file. */
  #directWriter(): BatchWriter {
    this.#direct ??= createAppendFileWriter(this.#fileOptions(), this.#where);
    return this.#direct;
  }

  /**
   * One process's records can reach the file through two writers (the writer process's, and
   * its own for large records and spills), and either may rotate the file. So with rotation on,
   * each checks before every write that its path still names the file it has open (one stat(2)
   * a batch): a record appended to a file just rotated away would land before records already
   * in the new one. Acknowledgements order the two writers' writes in time; this orders the
   * files. Without rotation only something outside renames the file (logrotate), and the usual
   * check (reopenCheckMs, 100 ms) is the same for every writer of it.
   */
  #fileOptions() {
    const f = this.#s.fileOptions;
    const rotates = f.maxBytes !== undefined || f.datePattern !== undefined;
    return {
      ...f,
      reopenCheckMs: f.reopenCheckMs ?? (rotates ? 0 : undefined),
      exitHook: false,
      onError: (e: FaninError) => this.#report(e),
    };
  }

  // Records from a peer, back to back: one block for a regular file in the writer role (one
  // encode, no per-record work); else false, and they go one by one — also when one may be
  // over maxRecordBytes (a peer of this version checks before it sends; another might not): the
  // file writer then refuses that one, counted, and writes the rest.
  #writeBlock(text: string | Buffer, lens: number[]): boolean {
    const file = this.#file;
    if (this.#role !== 'writer' || !file || this.#closing) return false;
    if (!takesBlocks(file, this.#o.lazy)) return false;
    const max = this.#s.fileOptions.maxRecordBytes;
    if (max !== undefined && lens.some((n) => n * 3 > max)) return false;
    return file.writeBlock(typeof text === 'string' ? Buffer.from(text) : text, lens.length);
  }

  #writeHere(record: string, level?: string): boolean {
    if (this.#role === 'forwarder' || this.#role === 'connecting') {
      return this.#fwd.add(record, level ?? '');
    }
    return this.#ownWriter().write(record, level);
  }

  /** The file writer this process writes with: the file's (writer role), else its own. */
  #ownWriter(): BatchWriter {
    return this.#role === 'writer' ? (this.#file as BatchWriter) : this.#directWriter();
  }

  #lost(why: string, quiet: boolean): void {
    if (!quiet) this.#writerLost++;
    if (this.#closing) {
      // close() is waiting for acknowledgements that will not come: write the rest now.
      this.#role = 'direct';
      this.#fwd.writeAllDirect();
      return;
    }
    if (!quiet) {
      this.#report(new FaninError('ERR_FANIN_WRITE', `${this.#where}: lost the writer (${why})`));
    }
    const via = this.#s.via;
    if (typeof via === 'object' && !this.#electing) {
      this.#role = 'connecting';
      this.#electing = this.#elect(via.socket);
      return;
    }
    this.#goDirect();
  }

  #unanswered(): void {
    const over = isMainThread ? describeVia(this.#s.via) : 'the main thread';
    const why = `no fanin writer answered over ${over} in ${this.#s.connectTimeoutMs} ms`;
    this.#report(new FaninError('ERR_FANIN_OPEN', `${this.#where}: ${why}; writing directly`));
    this.#fwd.disconnect();
    this.#goDirect();
  }

  /** From now on this process writes its records itself (append path): safe, just not funnelled. */
  #goDirect(): void {
    this.#role = 'direct';
    this.#fwd.writeAllDirect();
  }

  #drop(reason: string, level?: string): false {
    this.noteDropped(reason, 1, level);
    return false;
  }

  #notice(now = false): void {
    const text = this.#ledger.due(now, this.#o.noticeIntervalMs ?? 5000);
    if (text === undefined) return;
    this.#ledger.written();
    // The notice goes with the records when there is room, else (the buffer full) it is
    // written here: a loss report must not be lost to the loss it reports.
    const forwarding = this.#role === 'forwarder' || this.#role === 'connecting';
    if (forwarding && this.#fwd.add(text, 'warn')) return;
    const writer = this.#ownWriter();
    writer.write(text, 'warn');
    writer.flushSync();
  }

  // onError when given, else one process warning per reason (core's rule); stats() counts all.
  #report(err: FaninError): void {
    (this.#o.onError ?? warnOnce)(err);
  }
}

// A regular file takes records back to back in one write; a pipe needs them one by one (each
// within PIPE_BUF), and a lazy target is not known to be either until it opens.
function takesBlocks(writer: BatchWriter, lazy: boolean | undefined): boolean {
  return writer.sink.atomicLimit === Number.POSITIVE_INFINITY && lazy !== true;
}
