import { type ChildProcess, fork } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineSplitter, readChunks } from '@fanin/core/testing';
import { endOf } from '../helpers/processes.js';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));

/** A record as test/faults/fixtures/fault-writer.cjs writes it. */
export interface FaultRecord {
  w: string;
  s: number;
  n: number;
  pad: string;
}

/** What {@link checkFaultLog} found. */
export interface FaultCheck {
  /** Whole records' sequence numbers, by writer id, in log order. */
  seqs: Map<string, number[]>;
  /** Loss notices (whole JSON lines with a `fanin` member). */
  notices: { fanin: { lost: number; byReason: Record<string, number>; pid: number } }[];
  /** Empty lines (harmless: a writer began a batch on a new line). */
  blank: number;
  /** Torn lines that are the first record of the line, cut: who wrote them. */
  fragments: { w: string; s: number }[];
  /** Records that share a line with a fragment before them: damaged by another's tear. */
  glued: { w: string; s: number }[];
  /** Loss notices that share a line with something before them. */
  gluedNotices: number;
  /** Loss notices cut short (by ENOSPC): the notice stays pending and is written again. */
  tornNotices: number;
  /** Lines that are neither JSON nor start with a record header. */
  garbage: string[];
  /** Whole records seen twice. */
  duplicates: number;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const NOTICE = '{"level":"warn","message":"fanin:';
const HEADER = /\{"w":"([^"]+)","s":(\d+)/g;

function isWhole(v: unknown): v is FaultRecord {
  const r = v as Partial<FaultRecord> | null;
  if (typeof r?.w !== 'string' || !Number.isInteger(r.s) || typeof r.pad !== 'string') return false;
  return r.pad.length === r.n && r.pad === (LETTERS[(r.s as number) % 26] as string).repeat(r.n);
}

function parse(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/**
 * Reads a log written by fault-writer fixtures line by line: whole records by writer, loss
 * notices, empty lines, and torn lines split into the fragment that begins the line and any
 * record glued after it (found by their headers).
 */
/** Accounts for one log given whole (a small one: a string is limited to 512 MiB). */
export function checkFaultLog(text: string): FaultCheck {
  const ledger = faultLedger();
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const line of lines) ledger.line(line);
  return ledger.check;
}

/**
 * Accounts for a log file read 4 MiB at a time: a writer that logs every turn on an idle
 * machine writes more in 10 s than one string can hold.
 */
export function checkFaultFile(file: string): FaultCheck {
  const ledger = faultLedger();
  const splitter = new LineSplitter((line) => ledger.line(line.toString('utf8')));
  readChunks(file, (chunk) => splitter.push(chunk));
  const rest = splitter.end();
  if (rest.length > 0) ledger.line(rest.toString('utf8'));
  return ledger.check;
}

function faultLedger(): { check: FaultCheck; line: (line: string) => void } {
  const check: FaultCheck = {
    ...{ seqs: new Map(), notices: [], blank: 0, fragments: [], glued: [], garbage: [] },
    gluedNotices: 0,
    tornNotices: 0,
    duplicates: 0,
  };
  const seen = new Set<string>();
  const line = (line: string): void => {
    if (line === '') {
      check.blank++;
      return;
    }
    const v = parse(line);
    if (isWhole(v)) {
      const key = `${v.w}:${v.s}`;
      if (seen.has(key)) check.duplicates++;
      seen.add(key);
      const list = check.seqs.get(v.w) ?? [];
      list.push(v.s);
      check.seqs.set(v.w, list);
    } else if (v && typeof v === 'object' && 'fanin' in v) {
      check.notices.push(v as FaultCheck['notices'][number]);
    } else {
      // A notice cut by ENOSPC is its own fragment; one after other text is glued onto it.
      check.gluedNotices += line.split(NOTICE).length - 1 - (line.startsWith(NOTICE) ? 1 : 0);
      if (line.startsWith(NOTICE)) {
        check.tornNotices++;
        return;
      }
      const heads = [...line.matchAll(HEADER)].map((m) => ({ w: m[1] as string, s: Number(m[2]) }));
      if (heads.length === 0 || !line.startsWith('{"w":')) check.garbage.push(line.slice(0, 120));
      else check.fragments.push(heads[0] as { w: string; s: number });
      check.glued.push(...heads.slice(line.startsWith('{"w":') ? 1 : 0));
    }
  };
  return { check, line };
}

/** A forked fault fixture, its IPC messages and its exit. */
export interface FaultChild {
  child: ChildProcess;
  messages: { kind: string; [k: string]: unknown }[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Forks `test/faults/fixtures/<name>.cjs`; `options` go to the writer (FANIN_FAULT_OPTIONS).
 * Killed if the test ends first.
 */
export function forkFault(name: string, args: string[], options = {}): FaultChild {
  const child = fork(path.join(FIXTURES, `${name}.cjs`), args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, FANIN_FAULT_OPTIONS: JSON.stringify(options) },
  });
  const messages: FaultChild['messages'] = [];
  child.on('message', (m) => messages.push(m as FaultChild['messages'][number]));
  const exited = endOf(child, 'exit');
  return { child, messages, exited };
}

/** The first message of `kind` (now or later); rejects if the child exits first. */
export function nextMessage(
  f: FaultChild,
  kind: string,
  after = 0,
): Promise<FaultChild['messages'][number]> {
  const found = f.messages.slice(after).find((m) => m.kind === kind);
  if (found) return Promise.resolve(found);
  return new Promise((resolve, reject) => {
    const onMessage = (m: FaultChild['messages'][number]) => {
      if (m.kind !== kind) return;
      f.child.off('message', onMessage);
      f.child.off('exit', onExit);
      resolve(m);
    };
    const onExit = () => {
      f.child.off('message', onMessage);
      reject(new Error(`fault fixture ${f.child.pid} exited before sending ${kind}`));
    };
    f.child.on('message', onMessage);
    f.child.once('exit', onExit);
  });
}

/** Tells a fault fixture to stop, and returns its `done` report once it exited. */
export async function stopFault(f: FaultChild): Promise<FaultChild['messages'][number]> {
  const done = nextMessage(f, 'done');
  f.child.send('stop');
  const report = await done;
  await f.exited;
  return report;
}
