import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { FileLock } from '../src/index.js';

/** A log path in a fresh directory (removed when the test ends), and its lock directory. */
function scratch() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-filelock-'));
  const locks: FileLock[] = [];
  onTestFinished(() => {
    for (const lock of locks) while (lock.held) lock.release();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const file = path.join(dir, 'app.log');
  const newLock = (staleMs = 10_000, waitMs = 100) => {
    const lock = new FileLock(file, { staleMs, waitMs });
    locks.push(lock);
    return lock;
  };
  return { file, lockDir: `${file}.lock`, newLock };
}

describe('FileLock', () => {
  it('makes <file>.lock, is reentrant within the process, and removes it at the last release', () => {
    const s = scratch();
    const lock = s.newLock();
    expect(lock.tryAcquire()).toBe(true);
    expect(fs.statSync(s.lockDir).isDirectory()).toBe(true);
    expect(lock.tryAcquire()).toBe(true);
    expect(lock.acquire()).toBe(true);
    expect(lock.stats.acquired).toBe(1);

    lock.release();
    lock.release();
    expect(lock.held).toBe(true);
    expect(fs.existsSync(s.lockDir)).toBe(true);
    lock.release();
    expect(lock.held).toBe(false);
    expect(fs.existsSync(s.lockDir)).toBe(false);
    lock.release(); // one too many: nothing to do
    expect(lock.stats).toEqual({
      acquired: 1,
      busy: 0,
      takeovers: 0,
      compromised: 0,
      exitBypasses: 0,
    });
  });

  it('a second FileLock on the same log (another writer) cannot take it while it is held', () => {
    const s = scratch();
    const first = s.newLock();
    const second = s.newLock(10_000, 60);
    expect(first.tryAcquire()).toBe(true);
    expect(second.tryAcquire()).toBe(false);
    const started = Date.now();
    expect(second.acquire()).toBe(false);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(60);
    expect(waited).toBeLessThan(1000);

    first.release();
    expect(second.tryAcquire()).toBe(true);
    expect(second.stats).toMatchObject({ acquired: 1, takeovers: 0 });
  });

  it('takes over a lock directory whose mtime is past the stale time, and counts it', () => {
    const s = scratch();
    fs.mkdirSync(s.lockDir);
    const past = new Date(Date.now() - 30_000);
    fs.utimesSync(s.lockDir, past, past);
    const lock = s.newLock(5000);
    expect(lock.tryAcquire()).toBe(true);
    expect(lock.stats).toMatchObject({ acquired: 1, takeovers: 1 });
    // The directory is ours now: fresh mtime.
    expect(Date.now() - fs.statSync(s.lockDir).mtimeMs).toBeLessThan(5000);
  });

  it('counts every takeover, also of a lock that turns stale while it is being tried', () => {
    const s = scratch();
    const lock = s.newLock(2000);
    const rounds = 40;
    for (let round = 0; round < rounds; round++) {
      // A lock last refreshed 1995 ms ago: stale in about 5 ms. Try it in a tight loop, as
      // several writers retrying together do, so an attempt straddles the moment it turns stale.
      fs.mkdirSync(s.lockDir);
      const refreshed = new Date(Date.now() - 1995);
      fs.utimesSync(s.lockDir, refreshed, refreshed);
      const deadline = Date.now() + 1000;
      while (!lock.tryAcquire()) {
        if (Date.now() > deadline) throw new Error('the lock never went stale');
      }
      lock.release();
    }
    expect(lock.stats).toMatchObject({ acquired: rounds, takeovers: rounds });
  });

  it('makes a missing log directory, as the file target would, and takes the lock', () => {
    const s = scratch();
    const file = path.join(path.dirname(s.file), 'missing', 'app.log');
    const lock = new FileLock(file, { staleMs: 10_000, waitMs: 0 });
    expect(lock.tryAcquire()).toBe(true);
    expect(fs.statSync(`${file}.lock`).isDirectory()).toBe(true);
    lock.release();
    expect(lock.held).toBe(false);
  });

  it('throws errors other than "busy" (the log\'s directory is a file)', () => {
    const s = scratch();
    const lock = new FileLock(path.join(s.file, 'app.log'), { staleMs: 10_000, waitMs: 0 });
    fs.writeFileSync(s.file, 'not a directory');
    expect(() => lock.tryAcquire()).toThrow(
      expect.objectContaining({ code: expect.stringMatching(/ENOTDIR|EEXIST/) }),
    );
    expect(lock.held).toBe(false);
  });

  // proper-lockfile refreshes a held lock's mtime every staleMs / 2 (at least 1 s) and calls
  // onCompromised when it finds an mtime that is not its own (another process took it over).
  async function compromise(s: ReturnType<typeof scratch>) {
    const lock = s.newLock(2000);
    expect(lock.tryAcquire()).toBe(true);
    const foreign = new Date(Date.now() - 500);
    fs.utimesSync(s.lockDir, foreign, foreign);
    await vi.waitFor(() => expect(lock.stats.compromised).toBeGreaterThan(0), {
      timeout: 3000,
      interval: 10,
    });
    return lock;
  }

  it('counts one compromised lock once', async () => {
    const s = scratch();
    const lock = await compromise(s);
    lock.release();
    expect(lock.stats.compromised).toBe(1);
  });

  it('no longer claims a compromised lock: held is false, tryAcquire tries for real', async () => {
    const s = scratch();
    const lock = await compromise(s);
    expect(lock.held).toBe(false);
    // The directory now carries someone else's mtime (not stale): a real attempt is refused.
    expect(lock.tryAcquire()).toBe(false);
  });
});
