import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RotationLock } from '../src/rotation/rotation-lock.js';
import { type FileDriver, nodeFileDriver } from '../src/system/file-driver.js';

// fanin #14 rotation note (a): two writers taking over the same dead lock at the same instant
// must not both hold it. The race is staged deterministically: the second taker runs inside the
// first one's unlink of the lock, after both judged the same lock stale.
describe('RotationLock takeover of a dead lock', () => {
  let dir: string;
  let log: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-lock-'));
    log = path.join(dir, 'app.log');
    // A pid that is surely dead: a child that has exited and been reaped.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    fs.writeFileSync(`${log}.fanin-lock`, `${dead} ${os.hostname()}`);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const options = { staleMs: 10_000, waitMs: 30 };

  it('is taken over once and counted', () => {
    const lock = new RotationLock(log, nodeFileDriver, options);
    expect(lock.acquire()).toBe(true);
    expect(lock.takeovers).toBe(1);
    expect(fs.readFileSync(lock.path, 'utf8')).toBe(`${process.pid} ${os.hostname()}`);
    lock.release();
    expect(fs.existsSync(lock.path)).toBe(false);
  });

  it('two takers at the same instant: exactly one holds the lock', () => {
    const second = new RotationLock(log, nodeFileDriver, options);
    let secondGot: boolean | undefined;
    const lockPath = `${log}.fanin-lock`;
    const racing: FileDriver = {
      ...nodeFileDriver,
      // The first taker has judged the lock stale and is about to remove it: the second taker
      // runs now, having judged the same lock stale.
      unlink(p) {
        if (p === lockPath && secondGot === undefined) secondGot = second.acquire();
        nodeFileDriver.unlink(p);
      },
    };
    const first = new RotationLock(log, racing, options);
    const firstGot = first.acquire();
    expect(secondGot).toBeDefined();
    expect([firstGot, secondGot].filter(Boolean)).toHaveLength(1);
    expect(first.takeovers + second.takeovers).toBe(1);
    expect(fs.existsSync(lockPath)).toBe(true);
    // Nothing left beside the lock: the marker goes once the takeover is done.
    expect(fs.readdirSync(dir).filter((n) => n.includes('.broken.'))).toEqual([]);
  });

  it('a marker left by a taker that died is swept once older than staleMs', () => {
    const lock = new RotationLock(log, nodeFileDriver, { staleMs: 10_000, waitMs: 30 });
    const st = fs.statSync(`${log}.fanin-lock`);
    const marker = `${log}.fanin-lock.broken.${st.ino}.${Math.round(st.mtimeMs * 1000)}`;
    fs.writeFileSync(marker, '');
    expect(lock.acquire()).toBe(false);
    const old = new Date(Date.now() - 20_000);
    fs.utimesSync(marker, old, old);
    expect(lock.acquire()).toBe(true);
    expect(lock.takeovers).toBe(1);
  });
});

// fanin #14 rotation note (c): a writer that gives up waiting for the rotation lock writes past
// maxBytes; that is counted and reported once per outage, with a summary when rotation works again.
describe('rotation lock held past lockWaitMs', () => {
  it('counts the batches written past the limit and reports the outage once', async () => {
    const { createFileWriter } = await import('../src/index.js');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-busy-'));
    try {
      const log = path.join(dir, 'app.log');
      // Held by a live process (this one), fresh: not stale, so the writer waits and gives up.
      fs.writeFileSync(`${log}.fanin-lock`, `${process.pid} ${os.hostname()}`);
      const errors: string[] = [];
      const w = createFileWriter({
        filename: log,
        maxBytes: 1000,
        lockWaitMs: 5,
        exitHook: false,
        onError: (e) => errors.push(e.message),
      });
      const record = `${'x'.repeat(299)}\n`;
      for (let i = 0; i < 10; i++) {
        w.write(record);
        w.flushSync();
      }
      expect(fs.statSync(log).size).toBe(3000);
      const given = w.stats().rotationLockTimeouts ?? 0;
      expect(given).toBeGreaterThanOrEqual(7);
      expect(errors.filter((m) => m.includes('held past lockWaitMs'))).toHaveLength(1);
      fs.unlinkSync(`${log}.fanin-lock`);
      w.write(record);
      w.flushSync();
      expect(w.stats().rotations).toBe(1);
      expect(errors.filter((m) => m.includes(`${given} rotation(s) were given up`))).toHaveLength(
        1,
      );
      await w.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
