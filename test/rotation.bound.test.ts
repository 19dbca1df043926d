import * as path from 'node:path';
import { createAppendFileWriter } from '@fanin/append-file';
import type { FileDriver } from '@fanin/core';
import { nodeFileDriver } from '@fanin/core/internal';
import { describe, expect, it } from 'vitest';
import { checkLog, expectWholeLog } from './helpers/check-log.js';
import { tempDir } from './helpers/processes.js';
import { readRotated, rotationBatch } from './helpers/rotated-files.js';

const MAX_BYTES = 65536;

/** The node driver, noting the size of every write(2). */
function countingDriver(writes: number[]): FileDriver {
  return {
    ...nodeFileDriver,
    write: (fd, data) => {
      writes.push(data.byteLength);
      return nodeFileDriver.write(fd, data);
    },
  };
}

/** A fixture-shaped record line of exactly `bytes` bytes (see test/helpers/check-log.ts). */
function recordLine(p: number, s: number, bytes: number): string {
  // The line is the JSON with an empty pad and n = 0, less that 0, plus n's digits, n pad
  // letters and the newline.
  const rest = bytes - JSON.stringify({ p, s, t: 0, n: 0, pad: '' }).length;
  let n = rest - 1;
  while (String(n).length + n > rest) n--;
  const pad = 'abcdefghijklmnopqrstuvwxyz'[s % 26]?.repeat(n) ?? '';
  return `${JSON.stringify({ p, s, t: 0, n, pad })}\n`;
}

describe('size rotation: the size bound, in one process', () => {
  it('one writer alone never takes a file past maxBytes', async () => {
    const dir = tempDir();
    const writer = createAppendFileWriter({
      filename: path.join(dir, 'app.log'),
      maxBytes: MAX_BYTES,
    });
    for (let s = 0; s < 1000; s++) writer.write(recordLine(0, s, 100 + ((s * 977) % 2900)));
    await writer.close();

    const log = readRotated(dir, 'log4js');
    expectWholeLog(checkLog(log.files.map((f) => f.text).join(''), [1000]), 1000);
    expect(log.files.length).toBeGreaterThan(10);
    expect(Math.max(...log.files.map((f) => f.size))).toBeLessThanOrEqual(MAX_BYTES);
  });
  it('no write under rotation is larger than the documented batch, unless one record is', async () => {
    const dir = tempDir();
    const writes: number[] = [];
    const writer = createAppendFileWriter({
      filename: path.join(dir, 'app.log'),
      maxBytes: MAX_BYTES,
      driver: countingDriver(writes),
    });
    // Two 3000-byte records in one turn: 6000 bytes, where the batch is 4 KiB.
    writer.write(recordLine(0, 0, 3000));
    writer.write(recordLine(0, 1, 3000));
    await writer.close();

    expect(writes.reduce((a, b) => a + b)).toBe(6000);
    expect(Math.max(...writes)).toBeLessThanOrEqual(rotationBatch(MAX_BYTES));
  });
});
