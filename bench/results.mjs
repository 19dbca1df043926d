// Where the numbers go: bench/results/latest.{md,json} for a full run; quick.* and partial.*
// (both git-ignored) for the CI smoke run and for runs narrowed with --only/--workload/--procs.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ratiosTable, rowsTable } from './report.mjs';
import { meanBytes, rowRecords, workloads } from './workloads.mjs';

// f_type magic numbers from statfs(2) / linux/magic.h: the file system decides how O_APPEND
// writes scale (ext4 takes the inode lock for each write).
const FS_TYPES = new Map([
  [0xef53, 'ext2/3/4'],
  [0x01021994, 'tmpfs'],
  [0x794c7630, 'overlayfs'],
  [0x58465342, 'xfs'],
  [0x9123683e, 'btrfs'],
]);

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** What the numbers depend on: the machine, the file system of the temp dir, the versions. */
export function machine() {
  const type = fs.statfsSync(os.tmpdir()).type;
  return {
    date: new Date().toISOString(),
    commit: gitCommit(),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    tmpdir: os.tmpdir(),
    fs: FS_TYPES.get(type) ?? `0x${type.toString(16)}`,
  };
}

function countLines(subjects, quick) {
  return workloads.map((w) => {
    const per = subjects
      .map((s) => `${s.name} ${rowRecords(w, s, quick).toLocaleString('en-US')}`)
      .join(', ');
    return `- ${w.name} (mean ${Math.round(meanBytes(w))} B a record): ${per}`;
  });
}

function header(meta, subjects) {
  const mode = meta.quick ? 'quick (CI smoke: small counts, not for comparison)' : 'full';
  return [
    '# fanin benchmark',
    '',
    `${meta.date} · commit ${meta.commit} · node ${meta.node} · ${meta.os} · ${meta.cpus} CPUs (${meta.cpuModel}) · ${meta.fs} at ${meta.tmpdir}`,
    '',
    `Mode: ${mode}; ${meta.reps} repetition(s), median shown; ${meta.burst} records per event-loop turn; ${meta.seconds.toFixed(0)} s in all.`,
    `Load average (1 min) before / after: ${meta.load1.map((x) => x.toFixed(2)).join(' / ')}${meta.load1[0] > 0.5 ? ' — the machine was not idle; other work competes for the CPUs' : ''}.`,
    meta.cpus < 4 ? `Note: ${meta.cpus} CPUs, so 4 processes oversubscribe them.` : '',
    '',
    'Records per row, shared among the processes:',
    '',
    ...countLines(subjects, meta.quick),
    '',
  ].join('\n');
}

function notes(rows) {
  const seen = new Map();
  for (const r of rows) if (r.note && !seen.has(r.subject)) seen.set(r.subject, r.note);
  const lines = [...seen].map(([s, n]) => `- ${s}: log4js appender given as ${n}.`);
  for (const r of rows.filter((x) => x.errors?.length > 0)) {
    const kinds = [...new Set(r.errors)].join('; ');
    lines.push(
      `- ${r.subject} ${r.workload} ×${r.procs}: ${r.errors.length} error(s) reported by the framework: ${kinds}`,
    );
  }
  return lines.join('\n');
}

/** Writes the Markdown and JSON results; returns the Markdown. */
export function writeResults(benchDir, meta, rows, ratios, subjects) {
  const name = meta.quick ? 'quick' : meta.partial ? 'partial' : 'latest';
  const verdicts = ratios.filter((r) => r.verdict);
  const missed = verdicts.filter((r) => r.verdict === 'MISS').length;
  const markdown = [
    header(meta, subjects),
    rowsTable(rows),
    '',
    '## Ratios',
    '',
    ratiosTable(ratios),
    '',
    `Targets: ${verdicts.length - missed} of ${verdicts.length} PASS, ${missed} MISS.`,
    '',
    notes(rows),
    '',
  ].join('\n');
  const dir = path.join(benchDir, 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.md`), markdown);
  const json = { meta, rows: rows.map(stripSamples), ratios };
  fs.writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  return markdown;
}

// The raw numbers of each run, without the per-call samples (they are summarized as p50/p99).
function stripSamples(row) {
  return { ...row, runs: row.runs.map(({ samples: _s, ...run }) => run) };
}
