// Installed from the packed tarballs with npm: a winston program, as ESM, through every file
// transport (ipc as a lone cluster primary writes itself). Exits by itself, lines on disk.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppendFileTransport } from '@fanin/append-file';
import { AsyncQueueTransport } from '@fanin/async-queue';
import { FaninOptionError } from '@fanin/core';
import { IpcTransport } from '@fanin/ipc';
import { LockedFileTransport } from '@fanin/locked-file';
import { SyslogTransport } from '@fanin/syslog';
import winston from 'winston';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-smoke-'));
const transports = {
  'append-file': (filename) => new AppendFileTransport({ filename }),
  'locked-file': (filename) => new LockedFileTransport({ filename }),
  'async-queue': (filename) => new AsyncQueueTransport({ filename }),
  ipc: (filename) => new IpcTransport({ filename, via: 'cluster' }),
};
if (typeof SyslogTransport !== 'function') throw new Error('@fanin/syslog: no SyslogTransport');
for (const [name, make] of Object.entries(transports)) {
  const file = path.join(dir, `${name}.log`);
  const logger = winston.createLogger({ transports: [make(file)] });
  logger.info(`hello from ${name}`);
  await new Promise((resolve) => {
    logger.on('finish', resolve);
    logger.end();
  });
  const text = fs.readFileSync(file, 'utf8');
  if (!text.includes(`hello from ${name}`)) throw new Error(`${name}: line missing: ${text}`);
}
try {
  new AppendFileTransport({ filename: path.join(dir, 'x.log'), maxsizes: 1 });
  throw new Error('an unknown option was accepted');
} catch (err) {
  if (!(err instanceof FaninOptionError)) throw err;
}
console.log(
  `release smoke: winston (ESM) wrote through ${Object.keys(transports).length} transports`,
);
