import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { AsyncQueueTransport, configure, createAsyncQueueWriter } from '@fanin/async-queue';
import type { Writer } from '@fanin/core';
import { optionError } from '@fanin/core/testing';
import { afterAll, describe, expect, it } from 'vitest';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-async-options-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const filename = path.join(tmp, 'app.log');

// log4js calls an appender module's configure(config, layouts) with its own layouts module.
const layouts = createRequire(import.meta.url)('log4js/lib/layouts') as Parameters<
  typeof configure
>[1];

/** Each front end, made the way its framework makes it; returns the writer underneath. */
const FRONT_ENDS: Record<string, (options: Record<string, unknown>) => Writer> = {
  writer: (o) => createAsyncQueueWriter({ filename, ...o }),
  winston: (o) => new AsyncQueueTransport({ filename, ...o }).writer,
  log4js: (o) => configure({ type: '@fanin/async-queue', filename, ...o }, layouts).writer,
};

describe('@fanin/async-queue options', () => {
  for (const [frontEnd, make] of Object.entries(FRONT_ENDS)) {
    it(`${frontEnd}: an unknown option is rejected with a FaninOptionError naming it`, () => {
      const err = optionError(() => make({ capacityByte: '1M' }));
      expect(err.option).toBe('capacityByte');
      expect(err.message).toContain('"capacityByte"');
    });

    it(`${frontEnd}: driver is rejected: the writer thread cannot reach a driver object`, () => {
      const err = optionError(() => make({ driver: {} }));
      expect(err.option).toBe('driver');
      expect(err.message).toMatch(/not supported/);
    });

    it(`${frontEnd}: capacityBytes "64K" gives a 65536-byte ring; 1000 (under 4096) is rejected`, async () => {
      const writer = make({ capacityBytes: '64K' });
      try {
        expect(writer.stats().queue?.capacityBytes).toBe(65536);
      } finally {
        await writer.close();
      }
      const err = optionError(() => make({ capacityBytes: 1000 }));
      expect(err.option).toBe('capacityBytes');
      expect(err.message).toMatch(/at least 4096/);
    });

    it(`${frontEnd}: a whenFullByLevel policy that is not "drop", "block" or { blockMs } is rejected`, () => {
      const err = optionError(() => make({ whenFullByLevel: { debug: 'discard' } }));
      expect(err.option).toBe('whenFullByLevel');
    });
  }

  it('writer: "locked" needs a filename, not an fd', () => {
    const err = optionError(() => createAsyncQueueWriter({ fd: 1, writer: 'locked' }));
    expect(err.option).toBe('fd');
  });
});
