import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { logFiles, type Naming } from '@fanin/core/testing';
import { expect } from 'vitest';
import { checkLog, expectWholeLog, type LogCheck } from './check-log.js';
import {
  expectCleanExits,
  type Forked,
  forkFixture,
  reportOf,
  startTogether,
  tempDir,
} from './processes.js';

export { type Naming, namePattern } from '@fanin/core/testing';

/** One file of a rotated log. */
export interface RotatedFile {
  name: string;
  /** Its number in the scheme: 0 for the base name (`app.log`). */
  number: number;
  compressed: boolean;
  /** Uncompressed size in bytes. */
  size: number;
  text: string;
}

/** The files of one log, oldest first, and everything else in the directory. */
export interface RotatedLog {
  files: RotatedFile[];
  /** Names in the directory that are not files of the log (locks, temporaries, strays). */
  others: string[];
}

/**
 * Lists the files of the log `base` in `dir` under `naming` (@fanin/core/testing's logFiles),
 * oldest to newest, with their texts, gunzipping the `.gz` ones (a `.gz` that does not gunzip
 * throws: it was half-written).
 *
 * @example
 * const { files } = readRotated(dir, 'log4js');
 * const check = checkLog(files.map((f) => f.text).join(''), [1500, 1500]);
 */
export function readRotated(dir: string, naming: Naming, base = 'app.log'): RotatedLog {
  const { files, others } = logFiles(dir, naming, base);
  return {
    files: files.map(({ name, path: file, number, compressed }) => {
      const raw = fs.readFileSync(file);
      const data = compressed ? zlib.gunzipSync(raw) : raw;
      return { name, number, compressed, size: data.byteLength, text: data.toString('utf8') };
    }),
    others,
  };
}

/** Checks the records of the whole log: the files' texts concatenated oldest to newest. */
export function checkRotated(log: RotatedLog, expected: readonly number[]): LogCheck {
  return checkLog(log.files.map((f) => f.text).join(''), expected);
}

/** Names used twice for one number (`app.log.3` and `app.log.3.gz`): a rotation went wrong. */
export function clashingNumbers(log: RotatedLog): number[] {
  const seen = new Set<number>();
  const clashes: number[] = [];
  for (const f of log.files) {
    if (seen.has(f.number)) clashes.push(f.number);
    seen.add(f.number);
  }
  return clashes;
}

/** Longest line of the log, newline included: the "one record" of the size bound. */
export function longestLine(log: RotatedLog): number {
  let max = 0;
  for (const f of log.files) {
    for (const line of f.text.split('\n')) max = Math.max(max, Buffer.byteLength(line) + 1);
  }
  return max;
}

/**
 * The documented bound on a rotated file (packages/core/README.md, "Bound"):
 * maxBytes + (processes − 1) × max(batch, largest record), with the batch the writer picks under
 * rotation: min(64 KiB, max(4 KiB, maxBytes / 16)).
 */
export function sizeBound(maxBytes: number, processes: number, record: number): number {
  return maxBytes + (processes - 1) * Math.max(rotationBatch(maxBytes), record);
}

/** The batch size the writer picks under rotation when `batchBytes` is not given. */
export function rotationBatch(maxBytes: number): number {
  return Math.min(65536, Math.max(4096, Math.floor(maxBytes / 16)));
}

/**
 * Asserts the shape every rotated log must have: names as the framework gives them, each
 * number once, every file ending on a whole line, within `bound` bytes, and no lock or
 * compression temporary left beside it.
 */
export function expectTidyLog(log: RotatedLog, bound: number): void {
  expect(log.others, 'stray files beside the log').toEqual([]);
  expect(clashingNumbers(log), 'numbers used by two files').toEqual([]);
  const over = log.files.filter((f) => f.size > bound).map((f) => `${f.name}: ${f.size}`);
  expect(over, `files over the bound of ${bound} bytes`).toEqual([]);
  const cut = log.files.filter((f) => f.size > 0 && !f.text.endsWith('\n')).map((f) => f.name);
  expect(cut, 'files that end in the middle of a line').toEqual([]);
}

/** One way to configure size rotation: a front end, its options, and the names it gives. */
export interface RotationMode {
  name: string;
  /** Front end, as test/fixtures/loggers.cjs names it. */
  mode: 'writer' | 'winston' | 'log4js';
  naming: Naming;
  options: Record<string, unknown>;
}

/** The rotation naming a core writer is given, as `rotationNaming`, for each naming it has. */
const WRITER_NAMING = {
  log4js: {},
  winston: { rotationNaming: 'winston' },
  'winston-tailable': { rotationNaming: 'winston-tailable' },
} as const;

/**
 * The core writer (`mode: 'writer'`) with `options`, once per naming, named `<prefix><naming>
 * naming` for the test titles.
 *
 * @example
 * const MODES = writerModes({ maxBytes: 65536 }, ['log4js', 'winston'], 'writer, ');
 */
export function writerModes(
  options: Record<string, unknown>,
  namings: readonly (keyof typeof WRITER_NAMING)[] = ['log4js', 'winston', 'winston-tailable'],
  prefix = '',
): RotationMode[] {
  return namings.map((naming) => ({
    name: `${prefix}${naming} naming`,
    mode: 'writer',
    naming,
    options: { ...options, ...WRITER_NAMING[naming] },
  }));
}

/**
 * Forks `processes` copies of `fixture` (rotate-writer, time-writer or async-rotate-mixed, which
 * take the same arguments: front end, file, process index, `amount`, options as JSON) on one
 * log, starts them together and waits until all of them exited cleanly.
 *
 * @example
 * const forked = await writeTogether('time-writer', mode, file, 3, 2500);
 */
export async function writeTogether(
  fixture: 'rotate-writer' | 'time-writer' | 'async-rotate-mixed',
  m: { mode: string; options: Record<string, unknown> },
  file: string,
  processes: number,
  amount: number,
): Promise<Forked[]> {
  const forked = Array.from({ length: processes }, (_, p) =>
    forkFixture(fixture, [m.mode, file, String(p), String(amount), JSON.stringify(m.options)]),
  );
  await startTogether(forked);
  await expectCleanExits(forked);
  return forked;
}

/**
 * Forks `processes` test/fixtures/rotate-writer.cjs on one log, starts them together, waits for
 * all of them to exit (a compression under way keeps a process alive until it is done) and
 * asserts that each exited cleanly, logged `records` records and dropped none.
 * Returns the rotations each process reported.
 *
 * @example
 * const rotations = await rotateTogether(mode, path.join(dir, 'app.log'), 4, 1500);
 */
export async function rotateTogether(
  m: RotationMode,
  file: string,
  processes: number,
  records: number,
): Promise<number[]> {
  const forked = await writeTogether('rotate-writer', m, file, processes, records);
  return forked.map((f) => {
    const report = reportOf(f);
    expect(report.records).toBe(records);
    expect(report.stats).toMatchObject({ records, dropped: { total: 0 } });
    return (report.stats as unknown as { rotations: number }).rotations;
  });
}

/** What {@link rotateWhole} leaves for a test's own checks. */
export interface WholeRotation {
  dir: string;
  log: RotatedLog;
  check: LogCheck;
  /** Rotations each process reported. */
  rotations: number[];
}

/**
 * {@link rotateTogether} on `app.log` in a new temporary directory, without a retention limit,
 * then the checks every such test makes: every record of every process once and in order,
 * nothing torn (gzipped files are read whole, so a half-written one throws), no stray file, each
 * file within {@link sizeBound}, and one file per rotation plus the active one.
 *
 * @example
 * const { log } = await rotateWhole(mode, 4, 1500, 65536);
 */
export async function rotateWhole(
  m: RotationMode,
  processes: number,
  records: number,
  maxBytes: number,
): Promise<WholeRotation> {
  const dir = tempDir();
  const rotations = await rotateTogether(m, path.join(dir, 'app.log'), processes, records);
  const log = readRotated(dir, m.naming);
  const check = checkRotated(log, Array(processes).fill(records));
  // Lost, torn, duplicated, out of order: 0 / 0 / 0 / 0 across every file.
  expectWholeLog(check, processes * records);
  // The README's bound: maxBytes + (processes − 1) × max(batch, largest record).
  expectTidyLog(log, sizeBound(maxBytes, processes, longestLine(log)));
  expect(log.files.length).toBe(rotations.reduce((a, b) => a + b) + 1);
  return { dir, log, check, rotations };
}

/**
 * Sends `message` to a test/fixtures/rotate-stepper.cjs and resolves once it says the records
 * are written (its next `logged` message); rejects if it exits first.
 *
 * @example
 * await ask(stepper, { kind: 'log', count: 1, bytes: 100 });
 */
export function ask(f: Forked, message: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if ((m as { kind?: unknown } | null)?.kind !== 'logged') return;
      f.child.off('exit', onExit);
      f.child.off('message', onMessage);
      resolve();
    };
    const onExit = () => {
      f.child.off('message', onMessage);
      reject(new Error(`stepper pid ${f.child.pid} exited before logging`));
    };
    f.child.on('message', onMessage);
    f.child.once('exit', onExit);
    f.child.send(message as object);
  });
}
