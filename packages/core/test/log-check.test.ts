import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import winston from 'winston';
import { LogLedger } from '../src/testing/log-check.js';
import { checkLog, checkLogFiles, isClean, logFiles, summary } from '../src/testing/log-files.js';
import { makeRecord, planSizes } from '../src/testing/log-records.js';
import { prng } from '../src/testing/prng.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-log-check-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const line = (p: number, s: number, bytes = 100) => `${JSON.stringify(makeRecord(p, s, bytes))}\n`;
const lines = (p: number, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => line(p, from + i)).join('');

describe('checkLog', () => {
  it('a clean interleaved log of two producers: every record counted once, switches seen', () => {
    const text = lines(0, 0, 3) + lines(1, 0, 2) + lines(0, 3, 5);
    const check = checkLog(text, [5, 2]);
    expect(summary(check)).toEqual({
      ...{ total: 7, torn: 0, foreign: 0, duplicates: 0, missing: 0, outOfOrder: 0 },
      unexpected: 0,
    });
    expect(check.switches).toBe(2);
    expect(isClean(check)).toBe(true);
    expect(check.records.map((r) => [r.p, r.s])).toContainEqual([1, 1]);
  });

  it('counts per producer: lost, duplicated, out of order, torn (named), foreign, unexpected', () => {
    const torn = line(1, 9).slice(0, 40); // a cut record glued to the next line
    const text = [
      line(0, 0),
      line(0, 2),
      line(0, 1), // out of order
      line(0, 2), // duplicate
      `${torn}${line(1, 0)}`,
      '{"level":"warn","fanin":{"lost":1}}\n', // foreign
      line(5, 0), // unknown producer
      line(1, 99), // past the expected count
    ].join('');
    const check = checkLog(text, [4, { logged: 3, dropped: 1 }]);
    expect(summary(check)).toEqual({
      ...{ total: 4, torn: 1, foreign: 1, duplicates: 1, missing: 4, outOfOrder: 1 },
      unexpected: 2,
    });
    expect(check.byProcess[0]).toMatchObject({ missing: 1, duplicates: 1, outOfOrder: 1 });
    expect(check.byProcess[1]).toMatchObject({ torn: 1, missing: 3, dropped: 1, uncounted: 2 });
    expect(check.uncounted).toBe(2);
  });

  it('a record whose pad lost or gained a byte is torn, though it parses', () => {
    const r = makeRecord(0, 3, 100);
    const shorter = { ...r, pad: r.pad?.slice(1) };
    const wrongLetter = { ...r, pad: 'z'.repeat(r.n ?? 0) };
    const text = `${JSON.stringify(shorter)}\n${JSON.stringify(wrongLetter)}\n`;
    expect(checkLog(text, [4])).toMatchObject({ torn: 2, total: 0 });
  });

  it('bytes after the last newline are a torn line (a record cut short)', () => {
    expect(checkLog(`${line(0, 0)}${line(0, 1).slice(0, -1)}`, [2])).toMatchObject({
      total: 1,
      torn: 1,
      missing: 1,
    });
  });

  it("reads the bench's fast shape and winston's wrapped records alike", () => {
    const bench = '{"p":0,"s":0,"pad":"xxxxxxxx"}\n{"p":0,"s":1,"pad":"xxxxyxxx"}\n';
    const wrapped = `${JSON.stringify({ level: 'info', message: 'record', ...makeRecord(1, 0, 90) })}\n`;
    const check = checkLog(bench + wrapped, [2, 1]);
    expect(summary(check)).toMatchObject({ total: 2, torn: 1, missing: 1 });
  });

  it('credits a torn line to the producer its "p" key names, in the bench order and in winston\'s sorted order', () => {
    // winston's json format sorts the keys: …"n":40,"p":1,"pad":… (no "s" after "p").
    const json = winston.format.json();
    const winstonLine = (p: number, s: number) => {
      const info = json.transform(
        { level: 'info', message: 'record', ...makeRecord(p, s, 100) },
        {},
      );
      return (info as Record<symbol, string>)[Symbol.for('message')] as string;
    };
    expect(winstonLine(1, 0)).toMatch(/"p":1,"pad":/);
    const text = [
      line(0, 0),
      `${line(0, 1).slice(0, 30)}${line(0, 2)}`, // the bench/fixture order, cut and glued
      `${winstonLine(1, 0).slice(0, 70)}${winstonLine(1, 1)}\n`, // winston's order, cut and glued
      `${winstonLine(2, 0).slice(0, -10)}\n`, // winston's order, cut at the end
      '{"level":"info","message":"says \\"p\\":0, in a string","pad":"ab"}\n', // names no one
    ].join('');
    const check = checkLog(text, [3, 2, 1]);
    expect(check.torn).toBe(4);
    expect(check.byProcess.map((b) => b.torn)).toEqual([1, 1, 1]);
  });
});

describe('checkLogFiles and logFiles', () => {
  it('reads a rotated log oldest first, .gz included, as one log', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'rotated-'));
    fs.writeFileSync(path.join(dir, 'app.log.2.gz'), zlib.gzipSync(lines(0, 0, 10)));
    fs.writeFileSync(path.join(dir, 'app.log.1'), lines(0, 10, 20));
    fs.writeFileSync(path.join(dir, 'app.log'), lines(0, 20, 25));
    fs.writeFileSync(path.join(dir, 'app.log.fanin-lock'), '');
    const { files, others } = logFiles(dir, 'log4js');
    expect(files.map((f) => f.name)).toEqual(['app.log.2.gz', 'app.log.1', 'app.log']);
    expect(others).toEqual(['app.log.fanin-lock']);
    const check = checkLogFiles(
      files.map((f) => f.path),
      [25],
    );
    expect(isClean(check) && check.total === 25).toBe(true);
    expect(check.sizes[0]).toBe(Buffer.byteLength(lines(0, 0, 10)));
  });

  it('a ledger fed in pieces splits lines across chunks', () => {
    const text = Buffer.from(lines(0, 0, 50) + lines(1, 0, 50));
    const ledger = new LogLedger([50, 50], { keepRecords: false });
    const file = path.join(tmp, 'pieces.log');
    fs.writeFileSync(file, text);
    ledger.file(file);
    expect(summary(ledger.result())).toMatchObject({ total: 100, torn: 0, missing: 0 });
    expect(ledger.result().records).toEqual([]);
  });
});

describe('prng and planSizes', () => {
  it('replays from a seed; planSizes keeps the counts and differs per producer', () => {
    const a = prng(7);
    const b = prng(7);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
    const p0 = planSizes(0, '50,5,1');
    expect(p0).toHaveLength(56);
    expect(p0.filter((n) => n === 200 * 1024)).toHaveLength(1);
    expect(planSizes(1, '50,5,1')).not.toEqual(p0);
  });
});
