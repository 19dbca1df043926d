import * as fs from 'node:fs';
import * as path from 'node:path';
import { AppendFileTransport } from '@fanin/append-file';
import { AsyncQueueTransport } from '@fanin/async-queue';
import type { FaninFileTransport } from '@fanin/core';
import { IpcTransport } from '@fanin/ipc';
import { LockedFileTransport } from '@fanin/locked-file';
import { describe, expect, it } from 'vitest';
import winston from 'winston';
import { tempDir } from './helpers/processes.js';

const TRANSPORTS: [string, (o: Record<string, unknown>) => FaninFileTransport][] = [
  ['append-file', (o) => new AppendFileTransport(o)],
  ['locked-file', (o) => new LockedFileTransport(o)],
  // Its writer runs in a worker thread: the events cross to this thread as messages.
  ['async-queue', (o) => new AsyncQueueTransport(o)],
  // This process is no cluster worker: it takes the writer role, and emits.
  ['ipc', (o) => new IpcTransport({ ...o, via: 'cluster' } as never)],
];

const NAMES = ['open', 'new', 'rotate', 'archive', 'logRemoved', 'fileclosed'];
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Logs `n` records of about 100 bytes, one turn apart, and ends the logger. */
async function logAndEnd(transport: FaninFileTransport, n: number): Promise<unknown[][]> {
  const seen: unknown[][] = [];
  for (const e of NAMES) transport.on(e, (...args: unknown[]) => seen.push([e, ...args]));
  const logger = winston.createLogger({ format: winston.format.json(), transports: [transport] });
  for (let i = 0; i < n; i++) {
    logger.info('record', { i, pad: 'x'.repeat(60) });
    await turn();
  }
  const finished = new Promise((resolve) => logger.on('finish', resolve));
  logger.end();
  await finished;
  // The transport emits on the next tick what the writer reported before it closed (an
  // async-queue thread's events arrive before its 'closed' message, on the same port).
  await turn();
  return seen;
}

// End to end, through each transport's real writer: the events come from core's writer (its
// FileTarget and rotation template), relayed from async-queue's thread and ipc's writer role.
describe('winston File events from a real rotation, every transport', () => {
  for (const [kind, make] of TRANSPORTS) {
    it(`${kind}: 'open'(fullpath) first, then 'rotate'(from, to) by the rotating process`, async () => {
      const file = path.join(tempDir(), 'app.log');
      const seen = await logAndEnd(make({ filename: file, maxsize: 300, maxFiles: 3 }), 12);
      expect(seen[0]).toEqual(['open', file]);
      const rotations = seen.filter(([e]) => e === 'rotate');
      expect(rotations.length).toBeGreaterThan(0);
      for (const [, from, to] of rotations) {
        expect(path.dirname(from as string)).toBe(path.dirname(file));
        expect(path.dirname(to as string)).toBe(path.dirname(file));
      }
      expect(seen.some(([e]) => ['new', 'archive', 'logRemoved'].includes(e as string))).toBe(
        false,
      );
    });

    it(`${kind}: a winston-daily-rotate-file config emits 'new'(filename) for its file`, async () => {
      const dir = tempDir();
      const seen = await logAndEnd(
        make({ filename: path.join(dir, 'app-%DATE%.log'), datePattern: 'YYYY-MM-DD' }),
        2,
      );
      const created = fs.readdirSync(dir).filter((n) => n.startsWith('app-'));
      expect(seen[0]).toEqual(['new', path.join(dir, created[0] as string)]);
      expect(seen.some(([e]) => e === 'open' || e === 'fileclosed')).toBe(false);
    });
  }
});
