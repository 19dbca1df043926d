import type { ChildProcess } from 'node:child_process';
import cluster from 'node:cluster';
import { isMainThread } from 'node:worker_threads';
import {
  type DeadlineOptions,
  FaninError,
  type FaninErrorCode,
  type FlushOutcome,
  mergeStats,
  registerExitFlush,
  type Writer,
} from '@fanin/core';
import { ChannelLink } from './channel-link.js';
import { writerFor } from './destination.js';
import { DirectRole } from './direct-role.js';
import { Forwarder } from './forwarder.js';
import { ForwarderRole } from './forwarder-role.js';
import { Hub } from './hub.js';
import { IpcAccount } from './ipc-account.js';
import {
  describeVia,
  forwarderLimits,
  type IpcOptions,
  type IpcSettings,
  ipcSettings,
  writerFileOptions,
} from './ipc-options.js';
import { destinationParts, type IpcWriterStats, ipcStats } from './ipc-stats.js';
import type { Link } from './link.js';
import { LocalWriter, writeThrough } from './local-writer.js';
import { type Pm2Route, pm2Route } from './process-manager.js';
import type { Role, RoleName } from './role.js';
import { elect } from './socket-election.js';
import { SocketLink } from './socket-link.js';
import { ThreadLink } from './thread-link.js';
import { WriterRole } from './writer-role.js';

/**
 * One writer in every process, the same options everywhere: the process that owns the file
 * (cluster primary, fork parent, socket owner, a thread's main thread) writes it; every other
 * process forwards its records there in batches and writes for itself only when it must (at
 * exit, with no writer, on overflow). What it does at each moment is its role object
 * ({@link WriterRole}, {@link ForwarderRole}, {@link DirectRole}); this class picks the role
 * and hands it to the hub as the sink for peers' records. See the README for what each way
 * guarantees on exit and on the writer's death.
 */
export class IpcWriter implements Writer {
  readonly #s: IpcSettings;
  readonly #o: IpcOptions;
  readonly #where: string;
  readonly #account: IpcAccount;
  // The options of every file writer this process makes (its own, and the writer role's).
  readonly #files: ReturnType<typeof writerFileOptions>;
  readonly #local: LocalWriter;
  readonly #fwd: Forwarder;
  readonly #hub: Hub;
  readonly #forwarding: ForwarderRole;
  readonly #direct: DirectRole;
  readonly #unhook: () => void;
  #writing: WriterRole | undefined;
  #role: Role;
  #closing = false;
  #writerLost = 0;
  #electing: Promise<void> | undefined;

  constructor(options: IpcOptions, where = 'createIpcWriter') {
    const settings = ipcSettings(options, where);
    const pm2 = isMainThread ? pm2Route(settings.via, settings.file, where) : undefined;
    this.#s = pm2?.socket ? { ...settings, via: { socket: pm2.socket } } : settings;
    this.#o = options;
    this.#where = where;
    this.#account = new IpcAccount(options);
    if (pm2?.warning) this.#report('ERR_FANIN_OPTION', pm2.warning);
    this.#files = writerFileOptions(this.#s, (e) => this.#account.report(e));
    // With a destination, the writer process writes its own records through the one writer it
    // has (a second would be a second session); a file has a writer per purpose.
    const own = () => (this.#s.destination ? this.#writing?.file : undefined);
    const make = () => own() ?? writerFor(this.#files, this.#s.destination, where);
    this.#local = new LocalWriter(make, options.lazy);
    this.#fwd = new Forwarder(
      {
        lost: (why, quiet) => this.#lost(why, quiet),
        unanswered: () => this.#unanswered(),
        welcomed: () => this.#forwarding.welcomed(),
      },
      this.#local,
      forwarderLimits(this.#s, options.whenFull),
    );
    const { exitTimeoutMs, fileOptions } = this.#s;
    const maxRecordBytes = fileOptions.maxRecordBytes as number | undefined;
    const limits = { exitTimeoutMs, maxRecordBytes, whenFull: options.whenFull };
    this.#forwarding = new ForwarderRole(this.#fwd, this.#local, this.#account, limits);
    this.#direct = new DirectRole(this.#fwd, this.#local, exitTimeoutMs);
    this.#role = this.#forwarding;
    const { maxFrameBytes, peerLimits } = this.#s;
    const privateSocket = options.privateSocket !== false;
    const hubOptions = { maxFrameBytes, privateSocket, limits: peerLimits };
    this.#hub = new Hub(this.#role, hubOptions, this.#account);
    this.#start(pm2);
    this.#unhook = options.exitHook === false ? () => {} : registerExitFlush(this);
  }

  /**
   * `'writer'`, `'forwarder'`, `'connecting'` (electing, or waiting for the writer's welcome;
   * records wait) or `'direct'` (writing for itself: no writer answered).
   */
  get role(): RoleName {
    return this.#role.name;
  }

  /** In the parent of `child_process.fork` children that use `via: 'parent'`: serve `child`. */
  attach(child: ChildProcess): void {
    // Re-routed under pm2: the child inherits pm2's environment and elects on the same socket.
    if (typeof this.#o.via === 'string' && typeof this.#s.via === 'object') return;
    if (this.#role !== this.#writing) {
      throw new FaninError('ERR_FANIN_OPTION', `${this.#where}: attach() needs the writer process`);
    }
    this.#hub.attach(child);
  }

  write(record: string | Uint8Array, level?: string): boolean {
    if (this.#closing) return this.#account.drop('closed', level, 'the writer is closed');
    if (typeof record !== 'string') {
      if (!(record instanceof Uint8Array)) {
        return this.#account.drop('invalid-record', level, 'a record must be a string or bytes');
      }
      record = Buffer.from(record.buffer, record.byteOffset, record.byteLength).toString('utf8');
    }
    this.#notice();
    return this.#role.write(record, level);
  }

  flush(options: DeadlineOptions = {}): Promise<FlushOutcome> {
    return this.#role.flush(options);
  }

  flushSync(): FlushOutcome {
    return this.flushAtSignal();
  }
  /** At a signal (core's exit hook): {@link flushSync}, every wait ending by `deadlineAt`. */
  flushAtSignal(deadlineAt?: number): FlushOutcome {
    const outcome = this.#role.flushSync(deadlineAt);
    // The writer's peers learn what is written (a no-op in a process that serves none).
    this.#hub.ackAllSync();
    return outcome;
  }

  /** After the signal flush: nothing sent now would be read in time; each record is written here. */
  writeThrough(): void {
    if (this.#writing && this.#role === this.#writing) writeThrough(this.#writing.file);
    else {
      this.#goDirect();
      writeThrough(this.#local.writer);
    }
  }

  async close(options: DeadlineOptions = {}): Promise<FlushOutcome> {
    if (this.#closing) return { written: 0, abandoned: 0, timedOut: false };
    // Worker threads' batches still on their way are written before this closes.
    await this.#hub.threadsSettled(this.#s.exitTimeoutMs);
    this.#notice(true);
    this.#closing = true;
    // Never welcomed over a channel (whose other end may run no fanin, as pm2's daemon): nothing
    // was sent, so this process writes what it holds now instead of waiting. A socket that
    // accepted the connection has a live writer behind it: its welcome is waited for.
    const overChannel = !isMainThread || typeof this.#s.via !== 'object';
    if (this.#role.name === 'connecting' && overChannel) this.#unanswered('before close()');
    // A worker thread waits for its main thread at most exitTimeoutMs: its batches arrive
    // anyway, and a main thread busy until the thread ends must not hold it for long.
    const timeoutMs = this.#fwd.sendsSurviveExit
      ? Math.min(options.timeoutMs ?? 10_000, this.#s.exitTimeoutMs)
      : (options.timeoutMs ?? 10_000);
    const outcome = await this.flush({ timeoutMs });
    // Whatever the writer did not acknowledge by the deadline, this process writes itself.
    const wrote = this.#role.settleForClose();
    this.#fwd.disconnect();
    await this.#hub.close(1000);
    await this.#writing?.file.close(options);
    await this.#local.existing?.close(options);
    this.#account.settle();
    this.#unhook();
    return { ...outcome, written: outcome.written + wrote, abandoned: 0 };
  }

  stats(): IpcWriterStats {
    const ob = this.#fwd.outbox;
    const own = this.#account.snapshot(ob.pendingRecords + ob.inFlightRecords, ob.pendingChars);
    const children = [this.#writing?.file.stats(), this.#local.existing?.stats()];
    const merged = mergeStats(own, children);
    const ipc = ipcStats(this.#role.name, this.#fwd, this.#hub, this.#writerLost);
    return { ...destinationParts(children), ...merged, ipc };
  }

  onWritten(callback: () => void): void {
    this.#role.onWritten(callback);
  }

  noteDropped(reason: string, records: number, level?: string): void {
    this.#account.noteDropped(reason, records, level);
  }

  /** From now on `role` takes this process's records, and its peers'. */
  #become(role: Role): void {
    this.#role = role;
    this.#hub.sink = role;
  }

  #start(pm2: Pm2Route | undefined): void {
    const via = this.#s.via;
    // Under pm2 with no socket to elect on: no writer will ever answer, so none is waited for.
    if (pm2 && !pm2.socket) {
      this.#goDirect();
      return;
    }
    if (!isMainThread) {
      this.#forwardOver(new ThreadLink(this.#s.file, this.#fwd.events()));
      return;
    }
    this.#hub.serveThreads(this.#s.file);
    const channel = () => new ChannelLink(this.#fwd.events(), this.#s.maxFrameBytes);
    if (via === 'cluster' && cluster.isWorker) this.#forwardOver(channel());
    else if (via === 'cluster') {
      this.#becomeWriter();
      this.#hub.serveCluster();
    } else if (via === 'parent' && process.send) this.#forwardOver(channel());
    else if (via === 'parent') this.#becomeWriter();
    // (via 'pm2' is a socket by now: pm2Route gave one, or threw, or the process went direct.)
    else if (typeof via === 'object') this.#electing = this.#elect(via.socket);
  }

  #forwardOver(link: Link): void {
    this.#become(this.#forwarding.connecting());
    this.#fwd.connect(link);
  }

  async #elect(socketPath: string): Promise<void> {
    this.#become(this.#forwarding.connecting());
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
      const why = `cannot reach or become the writer on ${socketPath}: ${(err as Error).message}`;
      this.#report('ERR_FANIN_OPEN', `${why}; writing directly`, err);
      this.#goDirect();
    } finally {
      this.#electing = undefined;
    }
  }

  // The writer this process owns (file or destination): its records, and every peer's, go through it.
  #becomeWriter(): void {
    const destination = this.#s.destination;
    this.#writing ??= WriterRole.open(this.#files, destination, this.#local, this.#where);
    this.#become(this.#writing);
  }

  #lost(why: string, quiet: boolean): void {
    if (!quiet) {
      this.#writerLost++;
      // Reported while closing too: the loss is counted in stats(), so it is never silent.
      this.#report('ERR_FANIN_WRITE', `lost the writer (${why})`);
    }
    if (this.#closing) {
      // close() is waiting for acknowledgements that will not come: write the rest now.
      this.#goDirect();
      return;
    }
    const via = this.#s.via;
    if (typeof via === 'object' && !this.#electing) {
      this.#electing = this.#elect(via.socket);
      return;
    }
    this.#goDirect();
  }

  #unanswered(when = `in ${this.#s.connectTimeoutMs} ms`): void {
    const over = isMainThread ? describeVia(this.#s.via) : 'the main thread';
    const why = `no fanin writer answered over ${over} ${when}; writing directly`;
    this.#report('ERR_FANIN_OPEN', why);
    this.#fwd.disconnect();
    this.#goDirect();
  }

  /** From now on this process writes its records itself (append path): safe, just not funnelled. */
  #goDirect(): void {
    this.#become(this.#direct);
    this.#fwd.writeAllDirect();
  }

  // One report through the account's policy, named after the function that made this writer.
  #report(code: FaninErrorCode, why: string, cause?: unknown): void {
    this.#account.report(new FaninError(code, `${this.#where}: ${why}`, { cause }));
  }

  #notice(now = false): void {
    const text = this.#account.noticeDue(now);
    if (text !== undefined) this.#role.writeNotice(text);
  }
}
