import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLog, summary } from './helpers/check-log.js';
import { forkFixture, tempDir } from './helpers/processes.js';

// 5000 records: 100 B ones, and among them 30 of 8 KiB and 3 of 200 KiB (over one batch).
const RECORDS = 5000;
const COUNTS = `${RECORDS - 33},30,3`;

type Ending = 'exit' | 'throw';

// The fixture logs RECORDS records through @fanin/append-file in one synchronous loop and ends
// right after it, with process.exit(0) or an uncaught exception: nothing gets an event-loop
// turn, so only fanin's 'exit' hook (flushSync) can write what is still queued. The same ending
// for every writer and front end is in multi-process.test.ts; here the contrast with winston's
// File and winston's handleExceptions.
function logThenEnd(mode: string, file: string, ending: Ending, ...extra: string[]) {
  return forkFixture('writer', ['append', mode, file, '0', COUNTS, ending, ...extra], {
    quiet: ending === 'throw',
  });
}

describe('ending the process right after logging', () => {
  it('contrast: winston.transports.File in the same setting (reported, not asserted)', async () => {
    const dir = tempDir();
    const ours = path.join(dir, 'fanin.log');
    const theirs = path.join(dir, 'winston-file.log');
    const [a, b] = [
      logThenEnd('winston', ours, 'exit'),
      logThenEnd('winston-file', theirs, 'exit'),
    ];
    expect(await a.exited).toEqual({ code: 0, signal: null });
    expect(await b.exited).toEqual({ code: 0, signal: null });

    expect(checkLog(fs.readFileSync(ours, 'utf8'), [RECORDS]).total).toBe(RECORDS);
    const created = fs.existsSync(theirs);
    const kept = created ? checkLog(fs.readFileSync(theirs, 'utf8'), [RECORDS]).total : 0;
    console.log(
      `process.exit(0) after ${RECORDS} records: AppendFileTransport kept ${RECORDS}, ` +
        `winston.transports.File kept ${kept}${created ? '' : ' (file never created)'}`,
    );
  });
});

describe('winston handleExceptions: an uncaught exception with the transport handling it', () => {
  // One run serves both tests. winston's ExceptionHandler logs the error, then waits for each
  // handling transport's 'finish' (it sets transport._ending, which winston's File transport
  // answers in log()), and calls process.exit(1) after at most 3 s if none comes.
  let run: Promise<{ text: string; exitMs: number }> | undefined;
  function crashOnce() {
    run ??= (async () => {
      const file = path.join(tempDir(), 'app.log');
      const f = logThenEnd('winston', file, 'throw', 'handleExceptions');
      const { code } = await f.exited;
      const exitedAt = Date.now();
      expect(code).toBe(1);
      const text = fs.readFileSync(file, 'utf8');
      // The last record was logged just before the throw.
      const thrownAt = checkLog(text, [RECORDS]).records.at(-1)?.t ?? 0;
      return { text, exitMs: exitedAt - thrownAt };
    })();
    return run;
  }

  it('every record and the exception record are in the file', async () => {
    const check = checkLog((await crashOnce()).text, [RECORDS]);
    expect(summary(check)).toEqual({
      ...{ total: RECORDS, torn: 0, foreign: 1, duplicates: 0 },
      ...{ missing: 0, outOfOrder: 0, unexpected: 0 },
    });
    expect(check.foreignLines[0]).toMatchObject({
      level: 'error',
      message: expect.stringContaining('uncaught, on purpose'),
    });
  });

  it('the process exits promptly, not after winston’s 3 s fallback timeout', async () => {
    expect((await crashOnce()).exitMs).toBeLessThan(2000);
  });
});
