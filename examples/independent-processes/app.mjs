// One "service instance": it knows nothing of the others, only the log file and the socket.
// It logs RECORDS records through winston and @fanin/ipc, 50 at a time with a pause between
// (a server at work), then exits. Instance 0 starts first, so it becomes the writer; it logs
// a quarter of the records and calls process.exit() at once, so another instance must take over.
import { IpcTransport } from '@fanin/ipc';
import winston from 'winston';
import { makeRecord } from '../check-log.mjs';

const p = Number(process.env.P);
const records = Number(process.env.RECORDS) / (p === 0 ? 4 : 1);
const transport = new IpcTransport({
  filename: process.env.LOG,
  via: { socket: process.env.SOCK },
});
const logger = winston.createLogger({ format: winston.format.json(), transports: [transport] });
const roles = new Set();

let s = 0;
const slice = () => {
  roles.add(transport.writer.role);
  for (const end = Math.min(s + 50, records); s < end; s++) logger.info('record', makeRecord(p, s));
  if (s < records) setTimeout(slice, 2);
  else if (p === 0) {
    console.log(
      `instance ${p}: ${records} records, roles ${[...roles].join(' → ')}, exits at once`,
    );
    process.exit(0);
  } else {
    logger.on('finish', () => {
      const ipc = transport.writer.stats().ipc;
      console.log(
        `instance ${p}: ${records} records, roles ${[...roles].join(' → ')}, resent ${ipc.resent}`,
      );
    });
    logger.end();
  }
};
slice();
