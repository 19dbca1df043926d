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

const faninWriter = (protocol) => (o) =>
  writerSubject(async (file) => {
    const { createSyslogWriter } = await import('@fanin/syslog');
    return createSyslogWriter(faninOptions(file, o.collector, protocol));
  })(o);

const faninWinston = (protocol) => (o) =>
  winstonSubject(async (file) => {
    const { SyslogTransport } = await import('@fanin/syslog');
    return new SyslogTransport(faninOptions(file, o.collector, protocol));
  })(o);

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

/** The subjects; each runs in the `small` workload only (100 B records), at 1 and 4 processes. */
export const syslogSubjects = [
  {
    name: 'syslog-relp-writer',
    framework: 'winston',
    writesFile: true,
    collector: 'msg',
    workloads: ['small'],
    create: faninWriter('relp'),
  },
  {
    name: 'syslog-relp-winston',
    framework: 'winston',
    writesFile: true,
    collector: 'msg',
    workloads: ['small'],
    create: faninWinston('relp'),
  },
  {
    name: 'syslog-tcp-writer',
    framework: 'winston',
    writesFile: true,
    collector: 'msg',
    workloads: ['small'],
    create: faninWriter('tcp'),
  },
  {
    name: 'syslog-tcp-winston',
    framework: 'winston',
    writesFile: true,
    collector: 'msg',
    workloads: ['small'],
    create: faninWinston('tcp'),
  },
  {
    name: 'winston-syslog',
    framework: 'winston',
    writesFile: true,
    collector: 'msg',
    workloads: ['small'],
    create: winstonSyslog,
  },
  // pino-socket writes pino's lines as they are (no syslog header): the collector keeps them
  // whole with %rawmsg%.
  {
    name: 'pino-socket',
    framework: 'winston',
    writesFile: true,
    collector: 'rawmsg',
    workloads: ['small'],
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
  { a: 'syslog-tcp-writer', b: 'winston-syslog' },
  { a: 'pino-socket', b: 'winston-syslog' },
];
