import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkLogFiles, logFiles } from '@fanin/core/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  expectCleanExits,
  type Forked,
  forkFixture,
  reportOf,
  startTogether,
  tempDir,
} from './helpers/processes.js';

// The local-agent way of shipping (examples/rsyslog/README.md): the app writes a fanin log and
// rsyslog's imfile tails it, through fanin's size rotation, to the collector's file.

const RSYSLOGD = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].find((p) => fs.existsSync(p));
const haveImfile =
  RSYSLOGD !== undefined &&
  [
    '/usr/lib/x86_64-linux-gnu/rsyslog',
    '/usr/lib/aarch64-linux-gnu/rsyslog',
    '/usr/lib/rsyslog',
  ].some((d) => fs.existsSync(path.join(d, 'imfile.so')));

const PROCESSES = 2;
// 2 × 2000 records of 100 to 3000 bytes (rotate-writer.cjs): about 6 MB, some 20 files of 256 KiB.
const RECORDS = 2000;
const MAX_BYTES = 256 * 1024;

// imfile in inotify mode, reading every file that matches `app*.log` as it appears
// (freshStartTail off: from its beginning). fanin rotates with rotationNaming 'winston': the
// active file is the highest number (app.log, app1.log, app2.log…) and no file is ever renamed,
// so imfile reads each file once, to the end, and still sees a record another process appends
// to a file after it rotated. With log4js naming (app.log → app.log.1 → app.log.2…) imfile loses
// records, watched by name (whole files that lived less than its reaction time, and the tail a
// late writer adds to a renamed file) or duplicates them, watched by a wildcard (a renamed file
// is read again): examples/rsyslog/README.md gives the figures. Lines up to 3 KB: maxMessageSize
// 64k. main_queue Direct: omfile writes as imfile reads. Each collected line names the file it
// was read from (addMetadata): imfile reads the files side by side, so the records of one
// process may reach the collector out of order across files, never within one.
function imfileConfig(dir: string, output: string): string {
  return `global(workDirectory="${dir}/work" maxMessageSize="64k")
main_queue(queue.type="Direct")
module(load="imfile" mode="inotify")
input(type="imfile" file="${dir}/app*.log" tag="app" freshStartTail="off" addMetadata="on")
template(name="line" type="string" string="%$!metadata!filename% %msg%\\n")
action(type="omfile" file="${output}" template="line")
`;
}

async function startRsyslog(dir: string, conf: string): Promise<ChildProcess> {
  fs.mkdirSync(path.join(dir, 'work'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'rsyslog.conf'), conf);
  const out = fs.openSync(path.join(dir, 'rsyslogd.out'), 'a');
  const args = ['-n', '-f', path.join(dir, 'rsyslog.conf'), '-i', path.join(dir, 'rsyslogd.pid')];
  const child = spawn(RSYSLOGD as string, args, { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  onTestFinished(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const ended = once(child, 'exit');
    child.kill('SIGTERM');
    await ended;
  });
  return child;
}

/** Lines in `file` (0 when it does not exist yet). */
function lineCount(file: string): number {
  if (!fs.existsSync(file)) return 0;
  const bytes = fs.readFileSync(file);
  let n = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * Waits until `file` holds `lines` lines: the proof that imfile read them. Fails naming what
 * arrived when rsyslogd exits or `timeoutMs` passes first.
 */
async function waitForLines(
  file: string,
  lines: number,
  rsyslogd: ChildProcess,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (lineCount(file) < lines) {
    if (rsyslogd.exitCode !== null) throw new Error(`rsyslogd exited (${rsyslogd.exitCode})`);
    if (Date.now() > deadline) {
      throw new Error(`${lineCount(file)} of ${lines} lines in ${file} after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!haveImfile)('rsyslog imfile following a fanin log through size rotation', () => {
  it(`${PROCESSES} processes, @fanin/append-file writer, maxBytes 256 KiB, rotationNaming 'winston', imfile on app*.log: every file read once, whole, in its order; every record delivered once`, async () => {
    const dir = tempDir();
    const log = path.join(dir, 'app.log');
    const output = path.join(dir, 'collected.log');
    // A first line, so that imfile has a file to watch, and the sign it does: it arrives.
    fs.writeFileSync(log, '{"started":true}\n');
    const rsyslogd = await startRsyslog(dir, imfileConfig(dir, output));
    await waitForLines(output, 1, rsyslogd);

    const options = JSON.stringify({
      maxBytes: MAX_BYTES,
      backups: 1000,
      rotationNaming: 'winston',
    });
    const writers: Forked[] = Array.from({ length: PROCESSES }, (_, p) =>
      forkFixture('rotate-writer', ['writer', log, String(p), String(RECORDS), options]),
    );
    await startTogether(writers);
    await expectCleanExits(writers);
    const rotations = writers.map((w) => reportOf(w).stats?.rotations ?? 0);

    await waitForLines(output, 1 + PROCESSES * RECORDS, rsyslogd);
    // Every file of the log, read by imfile exactly as it is on disk: each line once, whole, in
    // the file's order; and the log holds every record of both processes once.
    const byFile = new Map<string, string[]>();
    for (const line of fs.readFileSync(output, 'utf8').split('\n').slice(0, -1)) {
      const at = line.indexOf(' ');
      const name = line.slice(0, at);
      byFile.set(name, [...(byFile.get(name) ?? []), line.slice(at + 1)]);
    }
    const files = logFiles(dir, 'winston', 'app.log').files;
    expect([...byFile.keys()].sort()).toEqual(files.map((f) => f.path).sort());
    for (const f of files) {
      expect(byFile.get(f.path)).toEqual(fs.readFileSync(f.path, 'utf8').split('\n').slice(0, -1));
    }
    const check = checkLogFiles(
      files.map((f) => f.path),
      Array(PROCESSES).fill(RECORDS),
      { keepRecords: false },
    );
    expect(check).toMatchObject({ torn: 0, missing: 0, duplicates: 0, outOfOrder: 0 });
    expect(check.total).toBe(PROCESSES * RECORDS);
    // Several rotations, by both processes.
    expect(files.length).toBeGreaterThan(10);
    expect(rotations.every((r) => r > 0)).toBe(true);
  });
});
