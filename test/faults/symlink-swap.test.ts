import * as fs from 'node:fs';
import * as path from 'node:path';
import { createFileWriter, type FaninError } from '@fanin/core';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/processes.js';

const line = (i: number) => `{"i":${i}}\n`;

describe('fault: a symlink swapped in for the log after an external rotation', () => {
  it('is refused (O_NOFOLLOW), counted and reported once; nothing reaches the link target', async () => {
    const dir = tempDir();
    const log = path.join(dir, 'app.log');
    const elsewhere = path.join(dir, 'elsewhere');
    fs.writeFileSync(elsewhere, '');
    const errors: FaninError[] = [];
    const writer = createFileWriter({
      ...{ filename: log, reopenCheckMs: 0, retryMinMs: 1, retryMaxMs: 5, exitHook: false },
      onError: (e) => errors.push(e),
    });
    writer.write(line(0));
    await writer.flush();
    // An external rotation, and someone who may write to the directory puts a link in place.
    fs.renameSync(log, `${log}.1`);
    fs.symlinkSync(elsewhere, log);
    for (let i = 1; i <= 20; i++) {
      writer.write(line(i), 'info');
      await writer.flush();
    }
    await writer.close({ timeoutMs: 100 });

    expect(fs.readFileSync(elsewhere, 'utf8')).toBe('');
    expect(fs.readFileSync(`${log}.1`, 'utf8')).toBe(line(0));
    const stats = writer.stats();
    expect(stats.dropped.byReason).toEqual({ ELOOP: 20 });
    expect(stats.dropped.byLevel).toEqual({ info: 20 });
    expect(stats.reopenFailures).toBeGreaterThanOrEqual(1);
    const eloop = errors.filter((e) => (e as { reason?: string }).reason === 'ELOOP');
    // One report when it started, one summary with the count when the writer closed.
    expect(eloop.map((e) => (e as { records?: number }).records)).toEqual([1, 20]);
    expect(eloop[0]?.message).toMatch(/reopen failed.*is now a symlink.*not followed/);
    expect(eloop[1]?.message).toMatch(/ELOOP ended after .* 20 records lost/);
  });

  it('is followed when the path was a symlink when the log was first opened', async () => {
    const dir = tempDir();
    const log = path.join(dir, 'app.log');
    const [first, second] = [path.join(dir, 'first.log'), path.join(dir, 'second.log')];
    fs.symlinkSync(first, log);
    const writer = createFileWriter({ filename: log, reopenCheckMs: 0, exitHook: false });
    writer.write(line(0));
    await writer.flush();
    fs.unlinkSync(log);
    fs.symlinkSync(second, log);
    writer.write(line(1));
    await writer.close();
    expect(fs.readFileSync(first, 'utf8')).toBe(line(0));
    expect(fs.readFileSync(second, 'utf8')).toBe(line(1));
    expect(writer.stats()).toMatchObject({ reopenings: 1, reopenFailures: 0 });
  });
});
