// The subjects: one entry per row, and the ratios between rows. To add a transport, add an
// entry (usually one line over a helper of subject-kinds.mjs) and, if it has a target, a ratio.

import { createRequire } from 'node:module';
import {
  faninPinoSubject,
  ipcClusterSubject,
  joinTransport,
  lockPerRecord,
  log4jsClusterSubject,
  log4jsSubject,
  noopTransport,
  pinoSubject,
  pinoTransportSubject,
  rawAppendLoop,
  turnJoiner,
  winstonSubject,
  writerSubject,
} from './subject-kinds.mjs';
import { syslogRatios, syslogSubjects } from './syslog-subjects.mjs';

const require = createRequire(import.meta.url);

// Size rotation (rotating workloads) in each front end's own option names; none otherwise.
// winston's maxFiles counts the active file too.
const writerRotation = (r) => (r ? { maxBytes: r.maxBytes, backups: r.backups } : {});
const winstonRotation = (r) => (r ? { maxsize: r.maxBytes, maxFiles: r.backups + 1 } : {});
const log4jsRotation = (r) => (r ? { maxLogSize: r.maxBytes, backups: r.backups } : {});
// A fanin package's writer, made by its factory `factory` with `options(rotation)`, and its
// winston transport class `className`: the fanin subjects differ only in these names.
const packageWriter = (pkg, factory, options = writerRotation) =>
  writerSubject(async (file, rotation) => {
    const module = await import(pkg);
    return module[factory]({ filename: file, ...options(rotation) });
  });
const packageTransport = (pkg, className) =>
  winstonSubject(async (file) => {
    const module = await import(pkg);
    return new module[className]({ filename: file });
  });
const ipcWriter = async (file, via, rotation) => {
  const { createIpcWriter } = await import('@fanin/ipc');
  return createIpcWriter({ filename: file, via, ...writerRotation(rotation) });
};

// The brief's first choice is the module name, as a user writes it; log4js resolves it from its
// own directory, then from require.main's and the cwd. The module object is the fallback.
const faninLog4js = (file, rotation) => [
  {
    label: "type: '@fanin/append-file'",
    config: { type: '@fanin/append-file', filename: file, ...log4jsRotation(rotation) },
  },
  {
    label: 'type: module object',
    config: { type: require('@fanin/append-file'), filename: file, ...log4jsRotation(rotation) },
  },
];

const log4jsFile = (file, rotation) => ({
  label: "type: 'file'",
  config: { type: 'file', filename: file, ...log4jsRotation(rotation) },
});

const layoutOnly = {
  configure: (config, layouts) => {
    const layout = layouts.layout(config.layout.type, config.layout);
    return (event) => {
      layout(event);
    };
  },
};

// Runs the layout and joins the lines of a turn into one buffer, writing nothing (see turnJoiner).
const layoutJoin = {
  configure: (config, layouts) => {
    const layout = layouts.layout(config.layout.type, config.layout);
    const add = turnJoiner();
    return (event) => add(`${layout(event)}\n`);
  },
};

/**
 * The rows. A row logs `workload.records[framework] × scale` records (see workloads.mjs; `scale`
 * may be per workload), so that it takes about a second; `writesFile: false` rows have no
 * integrity check. `rotation` names how the subject names its rotated files ('log4js':
 * app.log.1…; 'winston': app1.log…) and puts it in the rotating workloads, where `create` gets
 * `rotation: { maxBytes, backups }`. `cluster: true` rows run under one cluster primary
 * (cluster-primary.mjs; see log4jsClusterSubject).
 */
export const subjects = [
  {
    name: 'fanin-winston',
    framework: 'winston',
    writesFile: true,
    rotation: 'winston',
    create: winstonSubject(async (file, _winston, rotation) => {
      const { AppendFileTransport } = await import('@fanin/append-file');
      return new AppendFileTransport({ filename: file, ...winstonRotation(rotation) });
    }),
  },
  {
    name: 'winston-file',
    framework: 'winston',
    scale: 0.5,
    writesFile: true,
    rotation: 'winston',
    create: winstonSubject(
      (file, winston, rotation) =>
        new winston.transports.File({ filename: file, ...winstonRotation(rotation) }),
    ),
  },
  {
    name: 'winston-noop',
    framework: 'winston',
    scale: 1.5,
    writesFile: false,
    create: winstonSubject(noopTransport),
  },
  // What any transport that writes the message somewhere pays at least: winston-noop never
  // reads it. This one joins the messages of a turn into one buffer and writes nothing.
  {
    name: 'winston-join-noop',
    framework: 'winston',
    scale: 1.5,
    writesFile: false,
    create: winstonSubject(joinTransport),
  },
  {
    name: 'fanin-log4js',
    framework: 'log4js',
    writesFile: true,
    rotation: 'log4js',
    create: log4jsSubject(faninLog4js),
  },
  {
    name: 'log4js-file',
    framework: 'log4js',
    scale: 0.06,
    writesFile: true,
    rotation: 'log4js',
    create: log4jsSubject(log4jsFile),
  },
  // log4js's cluster mode: the workers send every event to the cluster primary, whose one
  // appender writes the file. The clock runs until the primary has written everything.
  {
    name: 'log4js-cluster',
    framework: 'log4js',
    scale: 0.03,
    writesFile: true,
    ...log4jsClusterSubject(log4jsFile),
  },
  {
    name: 'log4js-noop',
    framework: 'log4js',
    scale: 2,
    writesFile: false,
    create: log4jsSubject(() => ({
      label: 'no-op module',
      config: { type: { configure: () => () => {} } },
    })),
  },
  // log4js-noop skips the layout, which every real appender runs: this one runs it and drops
  // the line, to tell log4js + layout apart from what the appender itself costs.
  {
    name: 'log4js-layout-noop',
    framework: 'log4js',
    scale: 2,
    writesFile: false,
    create: log4jsSubject(() => ({ label: 'layout-only module', config: { type: layoutOnly } })),
  },
  // The layout, and the lines of a turn joined into one buffer: what any appender that writes
  // them somewhere pays at least.
  {
    name: 'log4js-join-noop',
    framework: 'log4js',
    scale: 2,
    writesFile: false,
    create: log4jsSubject(() => ({ label: 'layout+join module', config: { type: layoutJoin } })),
  },
  {
    name: 'fanin-writer',
    framework: 'none',
    writesFile: true,
    rotation: 'log4js',
    create: packageWriter('@fanin/append-file', 'createAppendFileWriter'),
  },
  // The same writer with a write at the end of every event-loop turn (minWriteIntervalMs: 0),
  // fanin's default until writes of a busy writer were kept 1 ms apart: the cost of the smaller
  // writes, beside the default.
  {
    name: 'fanin-writer-turn',
    framework: 'none',
    writesFile: true,
    create: packageWriter('@fanin/append-file', 'createAppendFileWriter', () => ({
      minWriteIntervalMs: 0,
    })),
  },
  // The same writer with flushIntervalMs: 5 (every record waits 5 ms, busy or not), to show the
  // option's effect beside the default.
  {
    name: 'fanin-writer-5ms',
    framework: 'none',
    writesFile: true,
    create: packageWriter('@fanin/append-file', 'createAppendFileWriter', () => ({
      flushIntervalMs: 5,
    })),
  },
  {
    name: 'pino-dest-async',
    framework: 'none',
    scale: { small: 0.2, mixed: 0.45 },
    writesFile: true,
    create: pinoSubject({ sync: false, minLength: 4096 }),
  },
  // pino.destination()'s defaults: sync, minLength 0, so one write(2) per record.
  {
    name: 'pino-dest-sync',
    framework: 'none',
    scale: { small: 0.12, mixed: 0.45 },
    writesFile: true,
    create: pinoSubject({ sync: true }),
  },
  {
    name: 'locked-writer',
    framework: 'none',
    scale: { rotate: 0.5 },
    writesFile: true,
    rotation: 'log4js',
    create: packageWriter('@fanin/locked-file', 'createLockedFileWriter'),
  },
  {
    name: 'locked-winston',
    framework: 'winston',
    writesFile: true,
    create: packageTransport('@fanin/locked-file', 'LockedFileTransport'),
  },
  {
    name: 'lock-per-record',
    framework: 'none',
    scale: { small: 0.004, mixed: 0.01 },
    writesFile: true,
    create: (o) => lockPerRecord(o),
  },
  {
    name: 'async-writer',
    framework: 'none',
    writesFile: true,
    rotation: 'log4js',
    create: packageWriter('@fanin/async-queue', 'createAsyncQueueWriter'),
  },
  {
    name: 'async-winston',
    framework: 'winston',
    writesFile: true,
    create: packageTransport('@fanin/async-queue', 'AsyncQueueTransport'),
  },
  {
    name: 'async-log4js',
    framework: 'log4js',
    writesFile: true,
    create: log4jsSubject(async (file) => ({
      label: "type: '@fanin/async-queue'",
      config: { type: await import('@fanin/async-queue'), filename: file },
    })),
  },
  {
    name: 'pino-transport',
    framework: 'none',
    scale: { small: 0.2, mixed: 0.45 },
    writesFile: true,
    create: pinoTransportSubject(),
  },
  // fanin under pino (#18): @fanin/append-file as the destination pino writes to, and as the
  // pino.transport() target in place of 'pino/file'.
  {
    name: 'fanin-pino-dest',
    framework: 'none',
    writesFile: true,
    create: faninPinoSubject(),
  },
  {
    name: 'fanin-pino-transport',
    framework: 'none',
    scale: { small: 0.2, mixed: 0.45 },
    writesFile: true,
    create: pinoTransportSubject('@fanin/append-file/pino', (file) => ({ filename: file })),
  },
  // @fanin/ipc: cluster workers forward to the primary, which alone writes (and rotates) the
  // file; the clock runs until the primary has written everything. ipc-socket-writer: unrelated
  // processes on one Unix socket (the first to bind it writes).
  {
    name: 'ipc-writer',
    framework: 'none',
    writesFile: true,
    rotation: 'log4js',
    ...ipcClusterSubject(writerSubject((file, rotation) => ipcWriter(file, 'cluster', rotation))),
  },
  {
    name: 'ipc-winston',
    framework: 'winston',
    writesFile: true,
    rotation: 'winston',
    ...ipcClusterSubject(
      winstonSubject(async (file, _winston, rotation) => {
        const { IpcTransport } = await import('@fanin/ipc');
        return new IpcTransport({ filename: file, via: 'cluster', ...winstonRotation(rotation) });
      }),
    ),
  },
  {
    name: 'ipc-log4js',
    framework: 'log4js',
    writesFile: true,
    rotation: 'log4js',
    ...ipcClusterSubject(
      log4jsSubject((file, rotation) => ({
        label: "type: '@fanin/ipc', via: 'cluster'",
        config: { type: '@fanin/ipc', filename: file, via: 'cluster', ...log4jsRotation(rotation) },
      })),
    ),
  },
  {
    name: 'ipc-socket-writer',
    framework: 'none',
    writesFile: true,
    create: writerSubject((file) => ipcWriter(file, { socket: `${file}.sock` })),
  },
  {
    name: 'raw-64k',
    framework: 'none',
    scale: { small: 1.5, mixed: 2 },
    writesFile: true,
    create: async (o) => rawAppendLoop(o),
  },
  ...syslogSubjects,
];

/**
 * Ratios of median records/s (a over b, same workload and process count) with their targets.
 * `target: undefined` rows are reported without a verdict.
 */
export const ratios = [
  { a: 'fanin-winston', b: 'winston-noop', target: 0.85 },
  { a: 'fanin-log4js', b: 'log4js-noop', target: 0.85 },
  { a: 'fanin-winston', b: 'winston-file' },
  { a: 'fanin-winston', b: 'winston-join-noop' },
  { a: 'fanin-log4js', b: 'log4js-layout-noop' },
  { a: 'fanin-log4js', b: 'log4js-join-noop' },
  { a: 'fanin-log4js', b: 'log4js-file' },
  // @fanin/ipc is to reach ≥ 5× log4js's cluster mode, and ≥ 0.5× the append-file front ends.
  { a: 'ipc-log4js', b: 'log4js-cluster', target: 5 },
  { a: 'fanin-log4js', b: 'log4js-cluster' },
  { a: 'log4js-cluster', b: 'log4js-file' },
  { a: 'ipc-writer', b: 'fanin-writer', target: 0.5 },
  { a: 'ipc-winston', b: 'fanin-winston', target: 0.5 },
  { a: 'ipc-log4js', b: 'fanin-log4js', target: 0.5 },
  { a: 'ipc-socket-writer', b: 'fanin-writer' },
  { a: 'fanin-writer', b: 'pino-dest-async', target: 2 },
  { a: 'fanin-writer', b: 'pino-dest-sync' },
  { a: 'fanin-writer', b: 'raw-64k', target: 0.8 },
  { a: 'fanin-writer-turn', b: 'raw-64k' },
  { a: 'fanin-writer-5ms', b: 'raw-64k' },
  { a: 'locked-writer', b: 'fanin-writer', target: 0.5 },
  { a: 'locked-winston', b: 'fanin-winston', target: 0.5 },
  { a: 'locked-writer', b: 'lock-per-record' },
  { a: 'async-writer', b: 'fanin-writer', target: 1 },
  { a: 'async-winston', b: 'fanin-winston' },
  { a: 'async-log4js', b: 'fanin-log4js' },
  { a: 'async-writer', b: 'pino-transport' },
  { a: 'fanin-pino-dest', b: 'pino-dest-async' },
  { a: 'fanin-pino-transport', b: 'pino-transport' },
  ...syslogRatios,
];
