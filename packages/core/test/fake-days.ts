// The set-up of the tests whose edge is time (rotation by date, retention by age, the audit
// file): a faked Date only (no timers), and MemoryDriver, which stamps mtimes with it.
import { afterEach, beforeEach, vi } from 'vitest';
import { createFileWriter, type FileWriterOptions } from '../src/index.js';
import type { MemoryDriver } from '../src/testing/index.js';

/** One day (ms). */
export const DAY = 86_400_000;

/** Every test of the calling file starts with Date faked at `start` (timers stay real). */
export function fakeDateFrom(start: number): void {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'], now: start });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/**
 * A file writer on `driver`, without exit hook, logging to `/l/app.log` unless `options` say
 * otherwise.
 *
 * @example
 * const w = memFileWriter(driver, { datePattern: 'yyyy-MM-dd' });
 */
export function memFileWriter(driver: MemoryDriver, options: Partial<FileWriterOptions> = {}) {
  return createFileWriter({ filename: '/l/app.log', driver, exitHook: false, ...options });
}

/** The files of `/l` on `driver` by name (sorted) with their text, rotation locks left out. */
export function memFiles(driver: MemoryDriver): Record<string, string> {
  return Object.fromEntries(
    driver
      .readdir('/l')
      .filter((f) => !f.includes('fanin-lock'))
      .sort()
      .map((f) => [f, driver.read(`/l/${f}`) ?? '']),
  );
}

/**
 * Logs `counts[d]` records `rec N\n` (N counting on over the days) on day `d` after `start`,
 * one `write` each, awaited in turn (the oracles' streams take their records asynchronously).
 */
export async function logOverDays(
  start: number,
  counts: readonly number[],
  write: (line: string) => void | Promise<void>,
): Promise<void> {
  let n = 0;
  for (const [day, count] of counts.entries()) {
    vi.setSystemTime(start + day * DAY);
    for (let i = 0; i < count; i++) await write(`rec ${n++}\n`);
  }
}
