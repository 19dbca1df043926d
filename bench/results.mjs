// Where the numbers go: bench/results/latest.{md,json,svg} for a full run; quick.* and partial.*
// (both git-ignored) for the CI smoke run and for runs narrowed with --only/--workload/--procs.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeChart } from './chart.mjs';
import { ratiosTable, rotationTable, rowsTable } from './report.mjs';
import { syslogSection } from './syslog-report.mjs';
import { meanBytes, rowRecords, rowRotation, runsIn, workloads } from './workloads.mjs';

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

const MB = (bytes) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1)} MB`;

// One line per workload that ran: the records of each of its rows (and their maxBytes).
function countLines(subjects, ran, quick) {
  return ran.map((w) => {
    const per = subjects
      .filter((s) => runsIn(w, s))
      .map((s) => {
        const rotation = rowRotation(w, s, quick);
        const limit = rotation ? ` (maxBytes ${MB(rotation.maxBytes)})` : '';
        return `${s.name} ${rowRecords(w, s, quick).toLocaleString('en-US')}${limit}`;
      })
      .join(', ');
    return `- ${w.name} (mean ${Math.round(meanBytes(w))} B a record): ${per}`;
  });
}

function header(meta, subjects, ran) {
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
    ...countLines(subjects, ran, meta.quick),
    '',
  ].join('\n');
}

const CLUSTER_NOTE =
  "‡ A cluster row runs one primary process that cluster.fork()s the workers; its clock runs from `go` until the primary has written everything: the primary side's end() (for log4js, `log4js.shutdown()` in the primary), called once every worker is done, resolves. A worker's done goes on the same channel after its events, and the worker leaves only once done is written, so this measures cluster mode's throughput, not the records it loses when a worker exits right after logging. Peak RSS includes the primary.";

// The rotation section: what the rotating workload does and the rule for an oversize file.
function rotationSection(rows) {
  if (!rows.some((r) => r.rotated)) return [];
  const w = workloads.find((x) => x.rotation && rows.some((r) => r.workload === x.name));
  return [
    '## Rotation',
    '',
    `Workload ${w.name}: size rotation on, maxBytes = the row's nominal bytes ÷ ${w.rotation.files} (so about ${w.rotation.files} rotated files a run when the limit is kept), backups ${w.rotation.backups} (winston maxFiles ${w.rotation.backups + 1}), so retention deletes nothing and the integrity check reads every file: the active one and all rotated ones, oldest first (log4js names: bench.log.N; winston: benchN.log).`,
    "**Oversize**: a file larger than maxBytes + max(maxBytes / 2, (P − 1) × max(64 KiB, longest line)) — 1.5 × maxBytes, or fanin's documented bound maxBytes + (P − 1) × max(batch, largest record) where that is larger. Files a run and the largest file are over the repetitions; oversize counts every file of every repetition.",
    '',
    rotationTable(rows),
    '',
  ];
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
  for (const r of rows) {
    const late = (r.runs ?? []).filter((run) => run.primary?.shutdownTimedOut).length;
    if (late > 0) {
      lines.push(
        `- ${r.subject} ${r.workload} ×${r.procs}: the primary's end() gave up waiting in ${late} run(s); what it had not written is counted as lost.`,
      );
    }
    if (r.rotated?.strays.length > 0) {
      lines.push(
        `- ${r.subject} ${r.workload} ×${r.procs}: other files beside the log: ${r.rotated.strays.join(', ')}.`,
      );
    }
  }
  return lines.join('\n');
}

/** Writes the Markdown, JSON and SVG results; returns the Markdown. */
export function writeResults(benchDir, meta, rows, ratios, subjects) {
  const name = meta.quick ? 'quick' : meta.partial ? 'partial' : 'latest';
  const ran = workloads.filter((w) => rows.some((r) => r.workload === w.name));
  const verdicts = ratios.filter((r) => r.verdict);
  const missed = verdicts.filter((r) => r.verdict === 'MISS').length;
  const markdown = [
    header(meta, subjects, ran),
    `Chart: [${name}.svg](${name}.svg) (records/s by subject and process count, min–max whiskers, lost or torn records in red; at the end).`,
    '',
    rowsTable(rows),
    '',
    ...(rows.some((r) => r.cluster) ? [CLUSTER_NOTE, ''] : []),
    ...rotationSection(rows),
    ...syslogSection(rows),
    '## Ratios',
    '',
    ratiosTable(ratios),
    '',
    `Targets: ${verdicts.length - missed} of ${verdicts.length} PASS, ${missed} MISS.`,
    '',
    notes(rows),
    '',
    '## Chart',
    '',
    `![records/s by subject and process count](${name}.svg) (also as [${name}.png](${name}.png) when rsvg-convert was installed)`,
    '',
  ].join('\n');
  const dir = path.join(benchDir, 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.md`), markdown);
  const json = { meta, rows: rows.map(stripSamples), ratios };
  fs.writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  writeChart(path.join(dir, `${name}.svg`), meta, rows, ran);
  return markdown;
}

// The raw numbers of each run, without the per-call samples (they are summarized as p50/p99).
function stripSamples(row) {
  return { ...row, runs: row.runs.map(({ samples: _s, ...run }) => run) };
}
