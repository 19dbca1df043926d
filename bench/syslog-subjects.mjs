// The syslog rows (#17): loggers that ship to a collector instead of writing the file. run.mjs
// starts a real rsyslogd for each run (collector.mjs: imrelp and imtcp on free ports, main_queue
// Direct, omfile writing the row's log file); `create` gets its ports as
// `collector: { relpPort, tcpPort }`. The row's clock stops when the last record is in the
// collector's file, and the integrity check reads that file.

import * as path from 'node:path';
import { pinoTransportSubject, winstonSubject, writerSubject } from './subject-kinds.mjs';

const once = (emitter, name) => new Promise((resolve) => emitter.once(name, resolve));

// Spools of all the processes of a run under the run's temp dir: no run adopts another's.
const faninOptions = (file, collector, protocol) => ({
  target:
    protocol === 'relp'
      ? `relp://127.0.0.1:${collector.relpPort}`
      : `tcp://127.0.0.1:${collector.tcpPort}`,
  appName: 'bench',
  spoolDir: path.join(path.dirname(file), 'spool'),
});

// close() gives up after 10 s by default (the rest stays in the spool for the next start); on a
// loaded machine a row's records take longer than that to be acknowledged. So the writer rows
// close with a 100 s deadline, and the winston rows (whose transport closes with the default)
// first flush: flush() resolves once everything the writer holds is acknowledged.
const CLOSE_MS = 100_000;

const faninWriter =
  (protocol, extra = {}) =>
  (o) =>
    writerSubject(async (file) => {
      const { createSyslogWriter } = await import('@fanin/syslog');
      const writer = createSyslogWriter({ ...faninOptions(file, o.collector, protocol), ...extra });
      const close = writer.close.bind(writer);
      writer.close = () => close({ timeoutMs: CLOSE_MS });
      return writer;
    })(o);

const faninWinston = (protocol) => async (o) => {
  let transport;
  const s = await winstonSubject(async (file) => {
    const { SyslogTransport } = await import('@fanin/syslog');
    transport = new SyslogTransport(faninOptions(file, o.collector, protocol));
    return transport;
  })(o);
  return {
    ...s,
    end: async () => {
      await transport.writer.flush({ timeoutMs: CLOSE_MS });
      await s.end();
    },
  };
};

/**
 * winston-syslog 2.7 over TCP, RFC 5424 (glossy's producer), one LF after each message (its
 * `eol`: without one, messages on a TCP stream run together). It connects lazily on the first
 * record; the connection is made before 'go' here so that start-up is not timed. Its close()
 * waits for the socket's write callbacks (polling every 200 ms × attempt), untimed.
 */
function winstonSyslog(o) {
  let transport;
  const subject = winstonSubject(async () => {
    const { Syslog } = await import('winston-syslog');
    transport = new Syslog({
      host: '127.0.0.1',
      port: o.collector.tcpPort,
      protocol: 'tcp4',
      type: '5424',
      eol: '\n',
      appName: 'bench',
      localhost: 'bench-host',
    });
    transport.connect(() => {});
    if (!transport.connected) await once(transport.socket, 'connect');
    return transport;
  });
  return subject(o).then((s) => ({
    ...s,
    dispose: async () => {
      // Its socket's 'close' listener connects again (after 2^retries s), for ever: removed, so
      // that the process can leave.
      transport.socket?.removeAllListeners('close');
      const closed = once(transport, 'closed');
      transport.close();
      await closed;
    },
  }));
}

/**
 * The practical limit of RELP against this collector, as raw-64k is for a file: RFC 5424
 * messages (the same header and structured data as fanin's) sent as `syslog` frames with a
 * window of 128, refilled on every read, no spool, no retry, no framework. The end resolves when
 * every frame has its `200 OK`.
 */
async function relpRaw({ p, collector }) {
  const net = await import('node:net');
  const socket = net.connect({ host: '127.0.0.1', port: collector.relpPort });
  socket.setNoDelay(true);
  await once(socket, 'connect');
  const offers = 'relp_version=0\nrelp_software=bench,1,-\ncommands=syslog';
  socket.write(`1 open ${offers.length} ${offers}\n`);
  const head = `bench-host bench ${process.pid} - [fanin@32473 w="raw-${p}" s="`;
  let queue = [];
  let next = 0; // queue[next] is the first message not sent (Array#shift is O(n) on long arrays)
  let txnr = 2;
  let sent = 0;
  let acked = -1; // the open's answer comes first
  let tail = '';
  let done;
  const pump = () => {
    let batch = '';
    while (next < queue.length && sent - acked < 128) {
      const m = queue[next++];
      batch += `${txnr++} syslog ${m.length} ${m}\n`;
      sent++;
    }
    if (next === queue.length) {
      queue = [];
      next = 0;
    }
    if (batch) socket.write(batch, 'latin1');
  };
  socket.on('data', (bytes) => {
    const text = tail + bytes.toString('latin1');
    for (let i = text.indexOf('200 OK'); i !== -1; i = text.indexOf('200 OK', i + 6)) acked++;
    tail = text.slice(-5);
    pump();
    if (done && acked === sent && next === queue.length) done();
  });
  await new Promise((resolve) => {
    const check = () => (acked === 0 ? resolve() : setTimeout(check, 1));
    check();
  });
  let stamp = '';
  let ms = -1;
  return {
    log: (s, pad) => {
      const now = Date.now();
      if (now !== ms) {
        ms = now;
        stamp = new Date(now).toISOString();
      }
      queue.push(`<14>1 ${stamp} ${head}${s + 1}"] {"p":${p},"s":${s},"pad":"${pad}"}`);
      if (queue.length - next === 1) setImmediate(pump);
    },
    end: () =>
      new Promise((resolve) => {
        done = () => {
          socket.destroy();
          resolve();
        };
        pump();
        if (acked === sent && next === queue.length) done();
      }),
  };
}

/**
 * The subjects; each runs in the `small` workload only (100 B records), at 1 and 4 processes,
 * 150,000 records a row whatever its framework (`scale`: 0.5 of winston's count, 0.05 of the
 * framework-free one).
 */
export const syslogSubjects = [
  {
    name: 'syslog-relp-writer',
    framework: 'none',
    writesFile: true,
    collector: 'msg',
    workloads: ['small'],
    scale: 0.05,
    create: faninWriter('relp'),
  },
  {
    // The widest window RELP allows here (1024, against the default 128): rsyslogd reads more
    // frames a wake-up and the sender answers fewer reads; more copies after a lost session.
    name: 'syslog-relp-writer-w1024',
    framework: 'none',
    writesFile: true,
    collector: 'msg',
    workloads: ['small'],
    scale: 0.05,
    create: faninWriter('relp', { windowSize: 1024 }),
  },
  {
    name: 'syslog-relp-winston',
    framework: 'winston',
    writesFile: true,
    collector: 'msg',
    workloads: ['small'],
    scale: 0.5,
    create: faninWinston('relp'),
  },
  {
    name: 'syslog-tcp-writer',
    framework: 'none',
    writesFile: true,
    collector: 'msg',
    workloads: ['small'],
    scale: 0.05,
    create: faninWriter('tcp'),
  },
  {
    name: 'syslog-tcp-winston',
    framework: 'winston',
    writesFile: true,
    collector: 'msg',
    workloads: ['small'],
    scale: 0.5,
    create: faninWinston('tcp'),
  },
  {
    name: 'winston-syslog',
    framework: 'winston',
    writesFile: true,
    collector: 'msg',
    workloads: ['small'],
    scale: 0.5,
    create: winstonSyslog,
  },
  {
    name: 'relp-raw',
    framework: 'none',
    writesFile: true,
    collector: 'msg',
    workloads: ['small'],
    scale: 0.05,
    create: relpRaw,
  },
  // pino-socket writes pino's lines as they are (no syslog header): the collector keeps them
  // whole with %rawmsg%.
  {
    name: 'pino-socket',
    framework: 'none',
    writesFile: true,
    collector: 'rawmsg',
    workloads: ['small'],
    scale: 0.05,
    create: (o) =>
      pinoTransportSubject('pino-socket', () => ({
        address: '127.0.0.1',
        port: o.collector.tcpPort,
        mode: 'tcp',
      }))(o),
  },
];

/** Targets of #17: acknowledged RELP ≥ 1.2× winston-syslog's TCP, best-effort TCP ≥ 4×. */
export const syslogRatios = [
  { a: 'syslog-relp-winston', b: 'winston-syslog', target: 1.2 },
  { a: 'syslog-tcp-winston', b: 'winston-syslog', target: 4 },
  { a: 'syslog-relp-writer', b: 'winston-syslog' },
  { a: 'syslog-relp-writer-w1024', b: 'winston-syslog' },
  { a: 'syslog-tcp-writer', b: 'winston-syslog' },
  { a: 'pino-socket', b: 'winston-syslog' },
  { a: 'relp-raw', b: 'winston-syslog' },
  { a: 'syslog-relp-writer', b: 'relp-raw' },
];
