import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import { onTestFinished, vi } from 'vitest';

/** A real process reading a FIFO, which the test can freeze (SIGSTOP) and thaw (SIGCONT). */
export interface StalledReader {
  fifo: string;
  pid: number;
  /** Freezes the reader; resolves once the kernel shows it stopped (/proc/<pid>/stat: T). */
  stall(): Promise<void>;
  /** Lets it read again. */
  resume(): void;
  /** Resumes it, closes the FIFO's last writer (ours), waits for EOF and its exit; returns what it read. */
  finish(): Promise<Buffer>;
}

function state(pid: number): string | undefined {
  try {
    // Field 3 of /proc/<pid>/stat, after the command name in parentheses (proc(5)).
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/**
 * Makes a FIFO at `fifo` and starts `cat` reading it into `sink` (a file). Resolves once the
 * read end is open, so writers opening the FIFO never block on open; the returned reader keeps a
 * write end of its own until `finish()` (fifo(7): opening a FIFO read-write never blocks on
 * Linux), so the reader sees no EOF between one writer's close and the next one's open.
 * `cat` is stopped (SIGKILL) when the test ends.
 *
 * @example
 * const reader = await stalledReader(fifo, sink);
 * await reader.stall(); // a writer now fills the pipe's 64 KiB and meets EAGAIN
 */
export async function stalledReader(fifo: string, sink: string): Promise<StalledReader> {
  const made = spawnSync('mkfifo', [fifo], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`mkfifo ${fifo} failed: ${made.stderr || made.error}`);
  const out = fs.openSync(sink, 'w');
  const cat = spawn('cat', [fifo], { stdio: ['ignore', out, 'inherit'] });
  fs.closeSync(out);
  const exited = once(cat, 'exit');
  onTestFinished(() => {
    if (cat.exitCode === null && cat.signalCode === null) cat.kill('SIGKILL');
  });
  // Opening the write end blocks until cat has opened the read end: r+ would not, so open
  // write-only in a way that proves the reader is there (O_NONBLOCK: ENXIO until it is).
  const keeper = await vi.waitUntil(() => openWriteEnd(fifo), { timeout: 10_000, interval: 5 });
  const pid = cat.pid as number;
  return {
    fifo,
    pid,
    stall: async () => {
      process.kill(pid, 'SIGSTOP');
      await vi.waitUntil(() => state(pid) === 'T', { timeout: 10_000, interval: 5 });
    },
    resume: () => process.kill(pid, 'SIGCONT'),
    finish: async () => {
      process.kill(pid, 'SIGCONT');
      fs.closeSync(keeper);
      await exited;
      return fs.readFileSync(sink);
    },
  };
}

/** A write-only descriptor on the FIFO once a reader has it open (ENXIO before: fifo(7)). */
function openWriteEnd(fifo: string): number | false {
  try {
    return fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENXIO') return false;
    throw err;
  }
}
