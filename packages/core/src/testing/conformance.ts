import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Writer } from '../contract/writer.js';
import type { LogCheck } from './log-check.js';
import { checkLog } from './log-files.js';
import { makeRecord, planSizes } from './log-records.js';

/**
 * A writer under test: how to open one in this process, and how a child process opens one
 * (for the exit case, which must end a real process).
 */
export interface ConformanceSubject {
  name: string;
  /** Opens a fresh writer on `filename`, with `options` added to the subject's own. */
  open(filename: string, options?: Record<string, unknown>): Writer;
  /**
   * What a child process requires to open the same writer: `module` (an absolute path, as
   * `require.resolve` gives it), its `factory` export, and options beside `filename`.
   */
  child: { module: string; factory: string; options?: Record<string, unknown> };
}

/** One promise of the writer interface, as a function that throws (node:assert) when broken. */
export interface ConformanceCase {
  name: string;
  run(): Promise<void>;
}

/** "small,medium,large" counts of the records each case writes: 100 B, 8 KiB and 200 KiB lines. */
const MIX = '300,8,2';
const lines = (p: number) =>
  planSizes(p, MIX).map((bytes, s) => `${JSON.stringify(makeRecord(p, s, bytes))}\n`);

type Ctx = { file: string; writer: Writer; errors: unknown[]; written: string[] };

/** Opens the subject on a fresh file and writes the mix; the directory goes when `body` ends. */
async function withWriter(
  subject: ConformanceSubject,
  body: (ctx: Ctx) => Promise<void>,
  options: Record<string, unknown> = {},
): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-conformance-'));
  const file = path.join(dir, 'app.log');
  const errors: unknown[] = [];
  const writer = subject.open(file, { onError: (err: unknown) => errors.push(err), ...options });
  try {
    const written = lines(0);
    const max = (options.maxRecordBytes as number | undefined) ?? Number.POSITIVE_INFINITY;
    for (const line of written) {
      assert.equal(writer.write(line, 'info'), Buffer.byteLength(line) <= max, 'write() accepts');
    }
    await body({ file, writer, errors, written });
  } finally {
    await writer.close({ timeoutMs: 10_000 }).catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function expectWhole(check: LogCheck, total: number, foreign = 0): void {
  const { torn, duplicates, missing, outOfOrder, unexpected } = check;
  assert.deepEqual(
    {
      total: check.total,
      torn,
      foreign: check.foreign,
      duplicates,
      missing,
      outOfOrder,
      unexpected,
    },
    { total, torn: 0, foreign, duplicates: 0, missing: 0, outOfOrder: 0, unexpected: 0 },
    `torn: ${JSON.stringify(check.tornSamples)}; foreign: ${JSON.stringify(check.foreignLines).slice(0, 300)}`,
  );
}

const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0));
const noLoss = { abandoned: 0, timedOut: false };

function flushCases(s: ConformanceSubject): ConformanceCase[] {
  return [
    {
      name: 'write + flush(): every record in the file, whole, once, in order, when flush resolves',
      run: () =>
        withWriter(s, async ({ file, writer, written }) => {
          assert.deepEqual(pick(await writer.flush(), noLoss), noLoss);
          expectWhole(checkLog(read(file), [written.length]), written.length);
        }),
    },
    {
      name: 'flushSync(): every record in the file when it returns, abandoned 0',
      run: () =>
        withWriter(s, async ({ file, writer, written }) => {
          assert.deepEqual(pick(writer.flushSync(), noLoss), noLoss);
          expectWhole(checkLog(read(file), [written.length]), written.length);
        }),
    },
    {
      name: 'close({ timeoutMs }): resolves with its outcome (nothing abandoned, in time); the file is whole',
      run: () =>
        withWriter(s, async ({ file, writer, written }) => {
          const outcome = await writer.close({ timeoutMs: 10_000 });
          assert.deepEqual(pick(outcome, noLoss), noLoss);
          assert.ok(outcome.written <= written.length, `written ${outcome.written}`);
          assert.equal(writer.stats().records, written.length);
          expectWhole(checkLog(read(file), [written.length]), written.length);
        }),
    },
  ];
}

function pick<T extends object>(value: T, like: object): Partial<T> {
  return Object.fromEntries(Object.keys(like).map((k) => [k, value[k as keyof T]])) as Partial<T>;
}

function accountCases(s: ConformanceSubject): ConformanceCase[] {
  return [
    {
      name: 'stats(): records and bytes written, nothing dropped, queue empty after flush',
      run: () =>
        withWriter(s, async ({ file, writer, written }) => {
          await writer.flush();
          const stats = writer.stats();
          const bytes = written.reduce((sum, l) => sum + Buffer.byteLength(l), 0);
          assert.deepEqual(
            pick(stats, { records: 0, bytes: 0, queueDepth: 0, queueBytes: 0, writeErrors: 0 }),
            { records: written.length, bytes, queueDepth: 0, queueBytes: 0, writeErrors: 0 },
          );
          assert.equal(stats.dropped.total, 0);
          assert.equal(read(file).length, bytes);
        }),
    },
    {
      name: 'write after close(): refused (false), counted as dropped "closed", the file unchanged',
      run: () =>
        withWriter(s, async ({ file, writer, written }) => {
          await writer.close();
          const before = read(file);
          assert.equal(
            writer.write(`${JSON.stringify(makeRecord(0, written.length, 100))}\n`),
            false,
          );
          assert.equal(writer.stats().dropped.byReason.closed, 1);
          assert.deepEqual(read(file), before);
        }),
    },
  ];
}

const MAX_RECORD = 16 * 1024;

/** The records a loss notice line says were lost (`fanin.lost`, core's loss notice), else 0. */
function lostIn(line: unknown): number {
  const lost = (line as { fanin?: { lost?: unknown } } | null)?.fanin?.lost;
  return typeof lost === 'number' ? lost : 0;
}

function oversizeCases(s: ConformanceSubject): ConformanceCase[] {
  // Three records over maxRecordBytes between the mix (whose 200 KiB ones are over it too).
  const over = (ctx: Ctx) => {
    for (let i = 0; i < 3; i++) {
      const line = `${JSON.stringify({ big: i, fill: 'o'.repeat(MAX_RECORD) })}\n`;
      assert.equal(ctx.writer.write(line, 'info'), false, 'an oversize record is refused');
    }
    return ctx.written.filter((l) => Buffer.byteLength(l) <= MAX_RECORD);
  };
  const options = { maxRecordBytes: MAX_RECORD };
  return [
    {
      name: 'oversize record: refused, counted as "oversize", reported; the others written whole',
      run: () =>
        withWriter(
          s,
          async (ctx) => {
            const kept = over(ctx);
            await ctx.writer.flush();
            const dropped = ctx.written.length - kept.length + 3;
            assert.equal(ctx.writer.stats().dropped.byReason.oversize, dropped);
            assert.ok(ctx.errors.length >= 1, 'the loss was reported through onError');
            const check = checkLog(read(ctx.file), [ctx.written.length]);
            assert.equal(check.total, kept.length);
            assert.equal(check.torn + check.duplicates + check.outOfOrder, 0);
          },
          options,
        ),
    },
    {
      name: 'oversize record: the loss is noted in the log, on lines of their own, counts exact',
      run: () =>
        withWriter(
          s,
          async (ctx) => {
            over(ctx);
            await ctx.writer.close();
            const check = checkLog(read(ctx.file), [ctx.written.length]);
            assert.equal(check.torn, 0);
            const noted = check.foreignLines.reduce<number>((sum, line) => sum + lostIn(line), 0);
            assert.ok(check.foreign >= 1, 'a loss notice in the log');
            assert.equal(noted, ctx.writer.stats().dropped.total, 'the notices count every drop');
          },
          options,
        ),
    },
  ];
}

/** The script the exit case's child runs: open, write the mix, process.exit(0) at once. */
// The records come from a file (`records`, a JSON array): too many bytes for a command line.
function exitScript(s: ConformanceSubject, file: string, records: string): string {
  const { module, factory, options = {} } = s.child;
  return [
    `const lines = JSON.parse(require('node:fs').readFileSync(${JSON.stringify(records)}, 'utf8'));`,
    `const writer = require(${JSON.stringify(module)})[${JSON.stringify(factory)}](`,
    `  { filename: ${JSON.stringify(file)}, ...${JSON.stringify(options)} });`,
    `for (const line of lines) writer.write(line, 'info');`,
    'process.exit(0);',
  ].join('\n');
}

function exitCases(s: ConformanceSubject): ConformanceCase[] {
  return [
    {
      name: 'exit: records written right before process.exit(0) are all in the file',
      run: async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-conformance-'));
        try {
          const file = path.join(dir, 'app.log');
          const records = lines(1);
          const recordsFile = path.join(dir, 'records.json');
          fs.writeFileSync(recordsFile, JSON.stringify(records));
          const child = spawn(process.execPath, ['-e', exitScript(s, file, recordsFile)], {
            stdio: ['ignore', 'inherit', 'inherit'],
          });
          const [code, signal] = await once(child, 'exit');
          assert.deepEqual({ code, signal }, { code: 0, signal: null });
          expectWhole(checkLog(read(file), [0, records.length]), records.length);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      },
    },
  ];
}

/**
 * The promises every fanin writer keeps, as cases a test runner runs: write, flush, flushSync,
 * close with a deadline and its outcome, stats, an oversize record, a write after close, and the
 * records of a process that exits right after logging. Each case opens its own writer on a fresh
 * file under `os.tmpdir()`, checks the file with the log checker, and throws (node:assert) when
 * a promise is broken; it does not depend on a test framework.
 *
 * @example
 * for (const c of conformanceCases(subject)) it(c.name, c.run);
 */
export function conformanceCases(subject: ConformanceSubject): ConformanceCase[] {
  return [
    ...flushCases(subject),
    ...accountCases(subject),
    ...oversizeCases(subject),
    ...exitCases(subject),
  ];
}
