import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { takeOutCuts } from './faults/kill-cuts.js';
import { summary } from './helpers/check-log.js';
import {
  expectCleanExits,
  type Forked,
  forkFixture,
  messageOf,
  reportOf,
  startTogether,
  tempDir,
} from './helpers/processes.js';
import {
  ask,
  checkRotated,
  expectTidyLog,
  longestLine,
  type Naming,
  namePattern,
  readRotated,
  sizeBound,
} from './helpers/rotated-files.js';

const MAX_BYTES = 65536;
const RECORDS = 1500;
const PROCESSES = 4;
const KILLS = 3;
const WAIT = { timeout: 20_000, interval: 5 };

/** The pid of a process that has exited (and been reaped): no process has it now. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await once(child, 'exit');
  return child.pid as number;
}

function rotateWriter(file: string, p: number, options: object): Forked {
  // 10 records a turn: slow enough that the kills land while everyone is still writing.
  return forkFixture('rotate-writer', [
    'writer',
    file,
    String(p),
    String(RECORDS),
    JSON.stringify(options),
    '10',
  ]);
}

/** One rotate-writer, process `p`, writes `records` records with `options` and exits cleanly. */
async function writeAlone(file: string, p: number, records: number, options: object) {
  const writer = forkFixture('rotate-writer', [
    'writer',
    file,
    String(p),
    String(records),
    JSON.stringify(options),
  ]);
  await startTogether([writer]);
  await expectCleanExits([writer]);
}

/** Sets `file`'s times `ms` into the past: what a file or lock left by a dead writer looks like. */
function backdate(file: string, ms: number): void {
  const then = new Date(Date.now() - ms);
  fs.utimesSync(file, then, then);
}

/** How many files of the log exist now (by name: they are being renamed as we look). */
function fileCount(dir: string, naming: Naming): number {
  const pattern = namePattern(naming);
  return fs.readdirSync(dir).filter((n) => pattern.test(n)).length;
}

const running = (f: Forked) => f.child.exitCode === null && f.child.signalCode === null;

describe('size rotation: writers killed with SIGKILL', () => {
  for (const naming of ['log4js', 'winston'] as const) {
    it(`${naming} naming: ${KILLS} of ${PROCESSES} writers killed at random rotations and replaced; survivors lose nothing, a planted dead lock is taken over`, async () => {
      const dir = tempDir();
      const file = path.join(dir, 'app.log');
      const options = { maxBytes: MAX_BYTES, rotationNaming: naming };
      // A lock left by a process that died: same host, a pid that no longer runs.
      fs.writeFileSync(`${file}.fanin-lock`, `${await deadPid()} ${os.hostname()}`);

      const writers = Array.from({ length: PROCESSES }, (_, p) => rotateWriter(file, p, options));
      await startTogether(writers);
      const killed: number[] = [];
      for (let k = 0; k < KILLS; k++) {
        // Right after a random rotation: wait for 1 to 6 more files, then kill a random writer.
        const target = fileCount(dir, naming) + 1 + Math.floor(Math.random() * 6);
        await vi.waitFor(() => expect(fileCount(dir, naming)).toBeGreaterThanOrEqual(target), WAIT);
        const live = writers.filter(running);
        const victim = live[Math.floor(Math.random() * live.length)] as Forked;
        victim.child.kill('SIGKILL');
        // It may have finished its last record just before the signal: then it is a survivor.
        const exit = await victim.exited;
        if (exit.signal === 'SIGKILL') killed.push(writers.indexOf(victim));
        else expect(exit).toEqual({ code: 0, signal: null });
        const fresh = rotateWriter(file, writers.length, options);
        writers.push(fresh);
        await startTogether([fresh]);
      }
      const survivors = writers.filter((_, p) => !killed.includes(p));
      await expectCleanExits(survivors);
      expect(killed.length).toBeGreaterThan(0);

      const log = readRotated(dir, naming);
      expect(takeOutCuts(log, killed)).toBeLessThanOrEqual(killed.length);
      expectTidyLog(log, sizeBound(MAX_BYTES, PROCESSES, longestLine(log)));
      expect(log.files.length).toBeGreaterThan(50);
      const check = checkRotated(log, Array(writers.length).fill(RECORDS));
      const { missing, foreign, ...exact } = summary(check);
      const seen = `killed ${killed}; torn: ${JSON.stringify(check.tornSamples)}; foreign: ${JSON.stringify(check.foreignLines).slice(0, 400)}`;
      expect(exact, seen).toEqual({
        total: check.total,
        torn: 0,
        duplicates: 0,
        outOfOrder: 0,
        unexpected: 0,
      });
      // One CI run in about twenty saw one whole-JSON line that was not a record here (not
      // reproduced since; its text is printed to find out what a kill leaves). At most one per
      // kill, like the cuts above; none of it is a survivor's record.
      if (foreign > 0) console.log(`rotation-kill: foreign lines after kills: ${seen}`);
      expect(foreign, seen).toBeLessThanOrEqual(killed.length);
      for (const [p, f] of writers.entries()) {
        const mine = check.byProcess[p] as { records: number; missing: number };
        if (!killed.includes(p)) {
          expect(reportOf(f).records).toBe(RECORDS);
          expect(mine.missing, `survivor ${p}`).toBe(0);
          continue;
        }
        // A killed writer's records are a prefix of what it logged: 0 … n-1, each once.
        const seqs = check.records.filter((r) => r.p === p).map((r) => r.s);
        expect(seqs, `killed writer ${p}`).toEqual(seqs.map((_, i) => i));
      }
      expect(missing).toBe(check.byProcess.reduce((sum, b) => sum + b.missing, 0));
    });
  }

  // A writer killed mid-write leaves an unfinished line (Linux cuts a write(2) at a page boundary
  // on SIGKILL). A writer that opens the file after it has been quiet for a moment (a restart)
  // starts on a new line. (Writers already running keep appending: see core's README.)
  it('a line left unfinished by a killed writer does not swallow the next record of a writer that opens the file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    // What a SIGKILL leaves when it cuts a batch at a page boundary: a record's first bytes.
    fs.writeFileSync(file, '{"p":1,"s":0,"t":0,"n":5000,"pad":"aaaaaaaaaaaaaaaa');
    backdate(file, 5000);
    await writeAlone(file, 0, 50, { maxBytes: MAX_BYTES });

    const check = checkRotated(readRotated(dir, 'log4js'), [50, 1]);
    expect(check.torn).toBe(1);
    expect(check.byProcess[0]).toMatchObject({ records: 50, missing: 0 });
  });

  // The lock is created (O_EXCL) and then written: a SIGKILL between the two leaves a lock naming
  // no pid. It is taken over once it has been empty for 50 ms, well within lockWaitMs.
  it('a writer killed while creating the rotation lock does not hold up the next rotation past lockWaitMs', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    const victim = forkFixture('rotate-lock-victim', [
      file,
      '30',
      JSON.stringify({ maxBytes: MAX_BYTES }),
    ]);
    expect(await victim.exited).toMatchObject({ signal: 'SIGKILL' });
    expect(readRotated(dir, 'log4js').files.length).toBe(1);

    // Another writer on the same host finds the log full: it must rotate, not write on.
    await writeAlone(file, 1, 60, { maxBytes: MAX_BYTES, lockWaitMs: 100 });
    const log = readRotated(dir, 'log4js');
    expect(checkRotated(log, [30, 60]).byProcess[1]?.missing).toBe(0);
    // One writer alone: it rotated, and so stayed within maxBytes; the dead lock is gone.
    expect(Math.max(...log.files.map((f) => f.size)), 'largest file').toBeLessThanOrEqual(
      MAX_BYTES,
    );
    expect(log.files.length).toBeGreaterThan(1);
    expect(log.others).toEqual([]);
  });

  const LOCKS = {
    'a dead pid on this host': async () => `${await deadPid()} ${os.hostname()}`,
    'another host, older than lockStaleMs': async () => `1 elsewhere.example`,
    'empty (killed between create and write), older than lockStaleMs': async () => '',
  };
  for (const [owner, content] of Object.entries(LOCKS)) {
    it(`a rotation lock left by ${owner} is taken over; rotation goes on`, async () => {
      const dir = tempDir();
      const file = path.join(dir, 'app.log');
      const lock = `${file}.fanin-lock`;
      fs.writeFileSync(lock, await content());
      backdate(lock, 60_000);

      await writeAlone(file, 0, 300, { maxBytes: MAX_BYTES, lockStaleMs: 30_000 });

      const log = readRotated(dir, 'log4js');
      // One process alone stays within maxBytes: it never had to write on past a busy lock.
      expectTidyLog(log, MAX_BYTES);
      expect(log.files.length).toBeGreaterThan(3);
      expect(checkRotated(log, [300]).missing).toBe(0);
    });
  }
});

describe('compression: the compressing process is killed', () => {
  const KILL_AT = {
    // Compression starts at once: the temporary may already be there, or not yet.
    'right after its rotation': (dir: string) => fs.existsSync(path.join(dir, 'app.log.1')),
    // gzip is writing the temporary.
    'while it writes the .gz temporary': (dir: string) =>
      fs.readdirSync(dir).some((n) => n.endsWith('.gz.tmp')),
  };
  for (const [when, ready] of Object.entries(KILL_AT)) {
    it(`killed ${when}: the next writer removes the leftover and compresses the original`, async () => {
      const dir = tempDir();
      const file = path.join(dir, 'app.log');
      // 4 MiB of random hex takes gzip long enough (~100 ms) to be caught writing it.
      const options = JSON.stringify({ maxBytes: 4 * 1024 * 1024, compress: true });
      const victim = forkFixture('rotate-stepper', [file, '0', options]);
      await messageOf(victim, 'ready');
      const written = ask(victim, { kind: 'noise', bytes: 4.5 * 1024 * 1024 });
      await vi.waitFor(() => expect(ready(dir)).toBe(true), { timeout: 10_000, interval: 1 });
      victim.child.kill('SIGKILL');
      expect(await victim.exited).toMatchObject({ signal: 'SIGKILL' });
      await written.catch(() => {});

      const leftover = fs.readdirSync(dir).filter((n) => n.endsWith('.gz.tmp'));
      if (when.startsWith('while')) expect(leftover.length).toBe(1);
      else expect(leftover.length).toBeLessThanOrEqual(1);
      expect(fs.existsSync(`${file}.1.gz`)).toBe(false);
      const original = fs.readFileSync(`${file}.1`);
      const digest = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

      const next = forkFixture('rotate-stepper', [file, '1', options]);
      await messageOf(next, 'ready');
      await vi.waitFor(
        () => expect(fs.readdirSync(dir).sort()).toEqual(['app.log', 'app.log.1.gz']),
        { timeout: 10_000, interval: 20 },
      );
      expect(digest(zlib.gunzipSync(fs.readFileSync(`${file}.1.gz`)))).toBe(digest(original));
      next.child.send('stop');
      await expectCleanExits([next]);
      expect(fs.readdirSync(dir).sort()).toEqual(['app.log', 'app.log.1.gz']);
    });
  }
});
