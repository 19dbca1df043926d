import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { optionError } from '@fanin/core/testing';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createLockedFileWriter } from '../src/index.js';

/** A fresh directory, removed when the test ends, and a log path in it. */
function scratch() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-locked-options-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return { dir, file: path.join(dir, 'app.log') };
}

describe('createLockedFileWriter: options', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['lockStaleMS', { lockStaleMS: 5000 }],
    ['fd', { fd: 1 }],
    ['lock', { lock: 'flock' }],
    ['lockRetryMs', { lockRetryMs: 0 }],
    ['lockTimeoutMs', { lockTimeoutMs: -1 }],
  ];
  for (const [option, given] of cases) {
    it(`rejects ${JSON.stringify(given)} with a FaninOptionError naming "${option}"`, () => {
      const s = scratch();
      const err = optionError(() => createLockedFileWriter({ filename: s.file, ...given }));
      expect(err.option).toBe(option);
      expect(err.message).toContain(`"${option}"`);
      expect(fs.readdirSync(s.dir), 'nothing created for a rejected option').toEqual([]);
    });
  }

  it('says why fd is rejected: a lock needs a path', () => {
    const err = optionError(() => createLockedFileWriter({ fd: 1 }));
    expect(err.message).toMatch(/lock needs a file path/);
  });

  it('rejects filename "/dev/stdout" (no path to lock) with a FaninOptionError naming "filename"', () => {
    const err = optionError(() =>
      createLockedFileWriter({ filename: '/dev/stdout', exitHook: false }),
    );
    expect(err.option).toBe('filename');
  });

  it("accepts lock: 'proper-lockfile' and every lock option", async () => {
    const s = scratch();
    const writer = createLockedFileWriter({
      filename: s.file,
      exitHook: false,
      lock: 'proper-lockfile',
      lockStaleMs: 3000,
      lockRetryMs: 1,
      lockTimeoutMs: 0,
      lockWaitMs: 10,
    });
    onTestFinished(async () => {
      await writer.close();
    });
    writer.write('one\n');
    await vi.waitFor(() => expect(writer.stats().records).toBe(1), { timeout: 3000, interval: 2 });
    expect(fs.readFileSync(s.file, 'utf8')).toBe('one\n');
  });
});
