import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PIPE_BUF } from '@fanin/core';
import { describe, expect, it } from 'vitest';
import { checkLog, expectWholeLog } from './helpers/check-log.js';
import { linesOver, readFifo } from './helpers/fifo.js';
import {
  expectCleanExits,
  forkFixture,
  reportOf,
  startTogether,
  tempDir,
} from './helpers/processes.js';

const MODES = ['writer', 'winston', 'log4js'] as const;
const PROCESSES = 4;
const COUNTS = { small: 2000, medium: 30, large: 3 };
const PER_PROCESS = COUNTS.small + COUNTS.medium + COUNTS.large;
// Records over PIPE_BUF travel as framed chunks and come out of the joiner as one record each.
const CHUNKED = COUNTS.medium + COUNTS.large;
// Smaller runs for the stdout and exit cases: 500 + 10 + 2 and 1967 + 30 + 3 records.
const STDOUT_RUN = { counts: '500,10,2', records: 512, chunked: 12 };
const EXIT_RUN = { counts: '1967,30,3', records: 2000, chunked: 33 };
const FANIN_JOIN = fileURLToPath(new URL('../packages/core/bin/fanin-join.cjs', import.meta.url));

describe.skipIf(process.platform === 'win32')(
  '@fanin/append-file: many processes, one FIFO',
  () => {
    for (const mode of MODES) {
      it(`${mode}: ${PROCESSES} processes through one FIFO; the joiner restores every record`, async () => {
        const fifo = path.join(tempDir(), 'app.fifo');
        const reader = await readFifo(fifo);
        const counts = `${COUNTS.small},${COUNTS.medium},${COUNTS.large}`;
        const forked = Array.from({ length: PROCESSES }, (_, p) =>
          forkFixture('append-writer', [mode, fifo, String(p), counts]),
        );
        await startTogether(forked);
        await expectCleanExits(forked);
        const out = await reader.finish();

        for (const f of forked) {
          expect(reportOf(f).stats).toMatchObject({
            records: PER_PROCESS,
            chunkedRecords: CHUNKED,
            dropped: { total: 0 },
          });
        }
        // Every write to the FIFO was at most PIPE_BUF: no chunk line, no plain line is longer.
        expect(linesOver(out.raw, PIPE_BUF)).toEqual([]);
        expect(out.warnings).toEqual([]);
        expect(out.joinStats).toMatchObject({
          records: PROCESSES * CHUNKED,
          garbled: 0,
          lostRecords: 0,
        });
        const check = checkLog(out.joined.toString('utf8'), Array(PROCESSES).fill(PER_PROCESS));
        expectWholeLog(check, PROCESSES * PER_PROCESS);
        expect(check.switches).toBeGreaterThanOrEqual(PROCESSES * 2);
        // The fanin-join command joins the same raw stream into the same bytes.
        const bin = spawnSync(process.execPath, [FANIN_JOIN], {
          input: out.raw,
          maxBuffer: 1 << 26,
        });
        expect({ status: bin.status, stderr: bin.stderr.toString() }).toEqual({
          status: 0,
          stderr: '',
        });
        expect(bin.stdout.equals(out.joined)).toBe(true);
      });
    }

    // Containers log to stdout: here every child's stdout is the same FIFO, and fanin writes to
    // the inherited descriptor 1 when given filename '/dev/stdout'.
    for (const mode of MODES) {
      it(`${mode}: ${PROCESSES} processes sharing one stdout pipe, filename '/dev/stdout'`, async () => {
        const reader = await readFifo(path.join(tempDir(), 'stdout.fifo'));
        const forked = Array.from({ length: PROCESSES }, (_, p) =>
          forkFixture('append-writer', [mode, '/dev/stdout', String(p), STDOUT_RUN.counts], {
            stdout: reader.fd,
          }),
        );
        await startTogether(forked);
        await expectCleanExits(forked);
        const out = await reader.finish();

        expect(linesOver(out.raw, PIPE_BUF)).toEqual([]);
        expect(out.joinStats).toMatchObject({
          records: PROCESSES * STDOUT_RUN.chunked,
          garbled: 0,
          lostRecords: 0,
        });
        expectWholeLog(
          checkLog(out.joined.toString('utf8'), Array(PROCESSES).fill(STDOUT_RUN.records)),
          PROCESSES * STDOUT_RUN.records,
        );
      });
    }

    for (const mode of MODES) {
      it(`${mode}: process.exit(0) right after logging into a FIFO loses nothing`, async () => {
        const fifo = path.join(tempDir(), 'app.fifo');
        const reader = await readFifo(fifo);
        const forked = Array.from({ length: 2 }, (_, p) =>
          forkFixture('writer', ['append', mode, fifo, String(p), EXIT_RUN.counts, 'exit']),
        );
        await expectCleanExits(forked);
        const out = await reader.finish();

        expect(linesOver(out.raw, PIPE_BUF)).toEqual([]);
        expect(out.joinStats).toMatchObject({
          records: 2 * EXIT_RUN.chunked,
          garbled: 0,
          lostRecords: 0,
        });
        const check = checkLog(out.joined.toString('utf8'), [EXIT_RUN.records, EXIT_RUN.records]);
        expectWholeLog(check, 2 * EXIT_RUN.records);
      });
    }

    // The control: the same FIFO, 100 KB lines, each written with one plain fs.writeSync(). A
    // pipe(7) write over PIPE_BUF "may be nonatomic: the data may be interleaved with data from
    // writes by other processes" — this run shows it happen, which is why fanin frames records.
    it('control without fanin: plain fs.writeSync of 100 KB lines tears them', async () => {
      const fifo = path.join(tempDir(), 'raw.fifo');
      const reader = await readFifo(fifo);
      const records = 30;
      const forked = Array.from({ length: PROCESSES }, (_, p) =>
        forkFixture('raw-fifo-writer', [fifo, String(p), String(records), String(100 * 1024)]),
      );
      await startTogether(forked);
      await expectCleanExits(forked);
      const out = await reader.finish();

      expect(out.raw.length).toBeGreaterThan(PROCESSES * records * 100_000);
      const check = checkLog(out.raw.toString('utf8'), Array(PROCESSES).fill(records));
      console.log(
        `control: ${check.torn} torn lines, ${check.total} whole of ${PROCESSES * records}`,
      );
      // How pipes split big writes is Linux's behaviour; elsewhere only report it.
      if (process.platform === 'linux') expect(check.torn).toBeGreaterThan(0);
    });
  },
);
