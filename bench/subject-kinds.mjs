// Kinds of subject, one per way of logging. A subject's `create({ file, p, rotation })` resolves
// to { log(s, pad), end(): Promise, dispose?(): Promise, note? } in the worker process
// (`rotation`, { maxBytes, backups } or undefined, is for the subjects that rotate):
//  - log(s, pad) logs record `s` of this process, padded with `pad`, as a JSON line with "p"/"s";
//  - end() resolves once every record is handed to the kernel (write(2) returned) and the
//    logger is closed — this is where the worker's clock stops;
//  - dispose() (untimed) releases what end() left, e.g. sonic-boom's fsync + close;
//  - errors() lists errors the framework reported on its error path (kept off the table).
// A `cluster: true` subject also has `createPrimary({ file, workers, rotation })`, run in the
// cluster primary (cluster-primary.mjs) before it forks the workers, resolving to
// { end(): Promise<object | undefined> }: end() resolves once the primary has written what the
// workers sent (the row's clock stops there); what it resolves to is kept with the run.
// The helpers below build most subjects in a line; subjects.mjs holds the table.

import * as fs from 'node:fs';

const LAYOUT = { type: 'pattern', pattern: '%m' };

// Like events.once, but an 'error' meanwhile does not reject: the errors are counted apart, and
// the run goes on to its integrity check.
const once = (emitter, name) => new Promise((resolve) => emitter.once(name, resolve));

/** The framework-free line: what log4js's `%m` layout and the raw writers put in the file. */
const line = (p, s, pad) => `{"p":${p},"s":${s},"pad":"${pad}"}`;

// ---- winston: one logger, json() format, one transport ----------------------------------------

export function winstonSubject(makeTransport) {
  return async ({ file, p, rotation }) => {
    const { default: winston } = await import('winston');
    const transport = await makeTransport(file, winston, rotation);
    const logger = winston.createLogger({ format: winston.format.json(), transports: [transport] });
    // Under backpressure winston ends a transport while records still wait for it:
    // Logger#_final calls transport.end() with records left in the logger's buffer, and File's
    // own _final ends its inner PassThrough while a log() waits for 'drain'. Both then write
    // after end and emit 'error' (on the logger, and on File's private _stream). Those records
    // are lost: the integrity check counts them; the errors are listed beside the table instead
    // of crashing the worker.
    const errors = [];
    const onError = (err) => errors.push(err.message);
    logger.on('error', onError);
    transport._stream?.on?.('error', onError);
    return {
      errors: () => errors,
      ready: () => writerReady(transport.writer),
      log: (s, pad) => logger.info(pad, { p, s }),
      end: async () => {
        const finished = once(transport, 'finish');
        logger.end();
        await finished;
        // winston's File transport finishes when its fs.WriteStream has; wait for the close too.
        const dest = transport._dest;
        if (dest && !dest.closed) await once(dest, 'close');
      },
    };
  };
}

export async function noopTransport() {
  const { default: TransportStream } = await import('winston-transport');
  // The framework's own ceiling: everything winston does, and no I/O.
  class NoopTransport extends TransportStream {
    log(_info, callback) {
      callback();
    }
  }
  return new NoopTransport();
}

/**
 * Collects the lines of one event-loop turn and joins them into one reused buffer at its end,
 * writing nothing: what any transport that puts the bytes of the records somewhere must do at
 * least. The framework's message is a rope (V8 cons string) that a no-op never reads; this pays
 * for flattening and encoding it.
 */
export function turnJoiner() {
  const scratch = Buffer.allocUnsafe(1024 * 1024);
  let parts = [];
  const join = () => {
    const text = parts.join('');
    parts = [];
    if (text.length * 3 <= scratch.length) scratch.write(text, 0);
    else Buffer.from(text);
  };
  return (line) => {
    if (parts.push(line) === 1) setImmediate(join);
  };
}

export async function joinTransport() {
  const { default: TransportStream } = await import('winston-transport');
  const MESSAGE = Symbol.for('message');
  class JoinTransport extends TransportStream {
    #add = turnJoiner();
    log(info, callback) {
      this.#add(`${info[MESSAGE]}\n`);
      callback();
    }
  }
  return new JoinTransport();
}

// ---- log4js: one appender, pattern layout %m of a pre-serialized JSON line ------------------

export function log4jsSubject(appender) {
  return async ({ file, p, rotation }) => {
    const { default: log4js } = await import('log4js');
    const candidates = await appender(file, rotation);
    const made = [];
    const note = configureFirst(
      log4js,
      (Array.isArray(candidates) ? candidates : [candidates]).map((c) => keepAppender(c, made)),
    );
    const logger = log4js.getLogger();
    return {
      note,
      ready: () => Promise.all(made.map((a) => writerReady(a.writer))),
      log: (s, pad) => logger.info(line(p, s, pad)),
      end: () => shutdown(log4js),
    };
  };
}

// A fanin writer with a thread of its own (the async queue) tells when that thread is up: the
// worker waits for it before it reports ready, as pino-transport's waits for thread-stream's
// 'ready', so no subject's start-up is timed.
const writerReady = (writer) => writer?.ready?.();

// For an appender given as a module ({ configure }), remembers the appender it makes in `made`.
function keepAppender(candidate, made) {
  const type = candidate.config.type;
  if (typeof type !== 'object' || typeof type?.configure !== 'function') return candidate;
  const configure = (...args) => {
    const a = type.configure(...args);
    made.push(a);
    return a;
  };
  return { ...candidate, config: { ...candidate.config, type: { configure } } };
}

// Tries each { label, config } in turn; the first that log4js accepts is used and named.
// `clustered` leaves log4js's cluster mode on (workers send their events to the primary).
function configureFirst(log4js, candidates, clustered = false) {
  let lastError;
  for (const { label, config } of candidates) {
    try {
      log4js.configure({
        appenders: { out: { layout: LAYOUT, ...config } },
        categories: { default: { appenders: ['out'], level: 'info' } },
        disableClustering: !clustered,
      });
      return label;
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

const shutdown = (log4js) =>
  new Promise((resolve, reject) => log4js.shutdown((e) => (e ? reject(e) : resolve())));

/** How long a log4js cluster primary waits for its appenders to shut down before it gives up. */
const CLUSTER_SHUTDOWN_MS = 30_000;

/**
 * log4js's cluster mode (lib/clustering.js): the primary configures the appender; workers run
 * the same configure, and since cluster.isWorker (and disableClustering is not set) log4js
 * creates no appender there: each event is serialised and sent with process.send, and the
 * primary's cluster 'message' listener hands it to the appender. A worker's shutdown() has
 * nothing to wait for. The primary's end() is log4js.shutdown() (its file stream ends), bounded
 * by CLUSTER_SHUTDOWN_MS: past it the run goes on, and the check counts what is missing.
 */
export function log4jsClusterSubject(appender) {
  const configure = async (file, rotation) => {
    const { default: log4js } = await import('log4js');
    const candidates = appender(file, rotation);
    const list = Array.isArray(candidates) ? candidates : [candidates];
    return { log4js, note: configureFirst(log4js, list, true) };
  };
  return {
    cluster: true,
    createPrimary: async ({ file, rotation }) => {
      const { log4js } = await configure(file, rotation);
      return {
        end: async () => {
          let timer;
          const late = new Promise((resolve) => {
            timer = setTimeout(() => resolve({ shutdownTimedOut: true }), CLUSTER_SHUTDOWN_MS);
            timer.unref();
          });
          const result = await Promise.race([shutdown(log4js).then(() => ({})), late]);
          clearTimeout(timer);
          return result;
        },
      };
    },
    create: async ({ file, p, rotation }) => {
      const { log4js, note } = await configure(file, rotation);
      const logger = log4js.getLogger();
      return {
        note: `${note} in the cluster primary`,
        log: (s, pad) => logger.info(line(p, s, pad)),
        end: () => shutdown(log4js),
      };
    },
  };
}

// ---- @fanin/ipc: one writer process ------------------------------------------------------------

/**
 * @fanin/ipc under cluster: `create` (a usual subject's, e.g. winstonSubject(…)) runs in every
 * worker and, as p 0, in the primary, whose writer writes the file. The primary's end() closes
 * its front end once every worker has closed its own (each close resolves when the primary
 * acknowledged every record).
 */
export function ipcClusterSubject(create) {
  return {
    cluster: true,
    createPrimary: async ({ file, rotation }) => {
      const side = await create({ file, p: 0, rotation });
      return {
        end: async () => {
          await side.end();
          return {};
        },
      };
    },
    create,
  };
}

// ---- framework-free --------------------------------------------------------------------------

export function writerSubject(makeWriter) {
  return async ({ file, p, rotation }) => {
    const writer = await makeWriter(file, rotation);
    return {
      ready: () => writerReady(writer),
      log: (s, pad) => writer.write(`${line(p, s, pad)}\n`),
      end: () => writer.close(),
    };
  };
}

/** A fanin writer as the destination pino writes to (createPinoDestination), lines as pino's. */
export function faninPinoSubject() {
  return async ({ file, p }) => {
    const { createPinoDestination } = await import('@fanin/core');
    const { createAppendFileWriter } = await import('@fanin/append-file');
    const dest = createPinoDestination(createAppendFileWriter({ filename: file }));
    return {
      ready: () => writerReady(dest.writer),
      log: (s, pad) => dest.write(`${line(p, s, pad)}\n`),
      end: () => dest.writer.close(),
    };
  };
}

export function pinoSubject(options) {
  return async ({ file, p }) => {
    const { default: pino } = await import('pino');
    const dest = pino.destination({ dest: file, ...options });
    if (dest.fd < 0) await once(dest, 'ready');
    let queued = 0;
    let written = 0;
    dest.on('write', (n) => {
      written += n;
    });
    return {
      log: (s, pad) => {
        const text = `${line(p, s, pad)}\n`;
        queued += text.length; // ASCII: characters are bytes
        dest.write(text);
      },
      end: () => allWritten(dest, () => written >= queued),
      // sonic-boom's end() fsyncs before close (and so do flush(cb) and flushSync()); fanin does
      // not fsync, so that part is left out of the timed section.
      dispose: () => {
        const closed = once(dest, 'close');
        dest.end();
        return closed;
      },
    };
  };
}

// Resolves when sonic-boom's 'write' events account for every byte. flush() without a callback
// starts a write of what is buffered under minLength (with a callback it would fsync); it does
// nothing while a write is in flight, so it is repeated on each 'drain'.
function allWritten(dest, done) {
  if (done()) return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      if (!done()) return dest.flush();
      dest.off('drain', check);
      dest.off('write', check);
      resolve();
    };
    dest.on('drain', check);
    dest.on('write', check);
    dest.flush();
  });
}

const BATCH = 64 * 1024;

// Writes a string with one fs.writeSync (a short write, rare on a regular file, is finished
// from a buffer); returns nothing. Strings go straight to writeSync: it encodes them itself,
// which was the fastest of the loops tried (string concat 7.3 M rec/s, array join + Buffer.from
// 5.0 M, latin1Write into a 64 KiB buffer 5.3 M, one process, 100 B records, this machine).
function writeString(fd, text) {
  const n = fs.writeSync(fd, text);
  if (n === text.length) return;
  const rest = Buffer.from(text).subarray(n);
  for (let at = 0; at < rest.length; ) at += fs.writeSync(fd, rest, at, rest.length - at);
}

// The practical limit: whole records concatenated up to 64 KiB, one fs.writeSync each on an
// O_APPEND descriptor (a larger record alone); no queue, no timers, no stats, and no write
// between event-loop turns, so a batch is always full.
export function rawAppendLoop({ file, p }) {
  const fd = fs.openSync(file, 'a');
  let pending = '';
  return {
    log: (s, pad) => {
      const text = `${line(p, s, pad)}\n`; // ASCII: length is bytes
      if (pending.length + text.length > BATCH && pending.length > 0) {
        writeString(fd, pending);
        pending = '';
      }
      pending += text;
    },
    end: async () => {
      if (pending.length > 0) writeString(fd, pending);
      fs.closeSync(fd);
    },
  };
}

/**
 * The naive file-lock logger (logback's prudent mode, Python's concurrent-log-handler): take
 * proper-lockfile's lock, append one record, release — per record.
 */
export async function lockPerRecord({ file, p }) {
  const { default: lockfile } = await import('proper-lockfile');
  const fd = fs.openSync(file, 'a');
  const nap = new Int32Array(new SharedArrayBuffer(4));
  const lock = () => {
    for (;;) {
      try {
        return lockfile.lockSync(file, { realpath: false, stale: 10000 });
      } catch (err) {
        if (err.code !== 'ELOCKED') throw err;
        Atomics.wait(nap, 0, 0, 0.2); // lockSync cannot retry by itself: poll, as its async retries do
      }
    }
  };
  return {
    log: (s, pad) => {
      const release = lock();
      fs.writeSync(fd, `${line(p, s, pad)}\n`);
      release();
    },
    end: async () => fs.closeSync(fd),
  };
}

/**
 * pino with `pino.transport()` (thread-stream): formatting on the calling thread, writing in a
 * worker, by pino's own 'pino/file' target or by another (`target`, `options(file)`).
 */
export function pinoTransportSubject(
  target = 'pino/file',
  options = (file) => ({ destination: file }),
) {
  return async ({ file, p }) => {
    const { default: pino } = await import('pino');
    const transport = pino.transport({ target, options: options(file) });
    await once(transport, 'ready');
    return {
      log: (s, pad) => transport.write(`${line(p, s, pad)}\n`),
      // thread-stream's worker is unref'd: keep this process alive until it has closed, or the
      // process ends (mixed records) before the transport has written everything.
      end: () =>
        new Promise((resolve) => {
          const alive = setInterval(() => {}, 1000);
          transport.once('close', () => {
            clearInterval(alive);
            resolve();
          });
          transport.end();
        }),
    };
  };
}
