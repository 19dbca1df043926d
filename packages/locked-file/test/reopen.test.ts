import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createLockedFileWriter } from '../src/index.js';

function scratch() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-locked-reopen-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return { dir, file: path.join(dir, 'app.log') };
}

const lines = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, k) => `r${from + k}\n`).join('');

describe('createLockedFileWriter: reopen() (SIGHUP under log4js, reopenOnSignal)', () => {
  // No periodic path check in these tests (reopenCheckMs of an hour): only reopen() can notice
  // that the file was moved.
  const options = { exitHook: false, reopenCheckMs: 3_600_000 } as const;

  it('after the file was moved away, writes what was queued to the old file, then reopens the path', async () => {
    const { file } = scratch();
    const writer = createLockedFileWriter({ filename: file, ...options });
    for (let i = 0; i < 10; i++) writer.write(`r${i}\n`);
    await writer.flush();
    fs.renameSync(file, `${file}.1`);
    for (let i = 10; i < 20; i++) writer.write(`r${i}\n`);
    writer.reopen();
    for (let i = 20; i < 30; i++) writer.write(`r${i}\n`);
    await writer.close();
    expect(fs.readFileSync(`${file}.1`, 'utf8')).toBe(lines(0, 20));
    expect(fs.readFileSync(file, 'utf8')).toBe(lines(20, 30));
    expect(writer.stats()).toMatchObject({ records: 30, reopenings: 1, dropped: { total: 0 } });
    expect(fs.existsSync(`${file}.lock`), 'no lock left').toBe(false);
  });

  it('does nothing while the path still names the open file', async () => {
    const { file } = scratch();
    const writer = createLockedFileWriter({ filename: file, ...options });
    writer.write('r0\n');
    writer.reopen();
    writer.write('r1\n');
    await writer.close();
    expect(fs.readFileSync(file, 'utf8')).toBe(lines(0, 2));
    expect(writer.stats().reopenings).toBe(0);
  });
});
