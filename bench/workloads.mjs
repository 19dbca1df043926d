// What each worker logs: the record sizes of a workload, in a fixed pseudo-random order, and the
// pads that fill records to those sizes. Everything here runs before 'go', so none of it is timed.

import { prng } from '@fanin/core/testing';

// 95 % / 4.9 % / 0.1 %: mean 700 B a record; 8 KiB is over PIPE_BUF, 200 KiB over a pipe's
// 64 KiB buffer and over the writers' 64 KiB batches.
const MIXED = [
  { bytes: 100, weight: 0.95 },
  { bytes: 8 * 1024, weight: 0.049 },
  { bytes: 200 * 1024, weight: 0.001 },
];

/**
 * Workloads. `records` is the total per row (shared out among the processes), by framework,
 * chosen so that a row takes about 0.5–2 s on the reference machine (2 vCPU, ext4); `quick`
 * scales them down for the CI smoke run. `classes` are record sizes with their weights.
 * `rotation` turns size rotation on: only subjects that name their rotated files (`rotation` in
 * subjects.mjs) run in such a workload; see rowRotation.
 */
export const workloads = [
  {
    name: 'small',
    classes: [{ bytes: 100, weight: 1 }],
    records: { winston: 300_000, log4js: 700_000, none: 3_000_000 },
  },
  {
    name: 'mixed',
    classes: MIXED,
    records: { winston: 160_000, log4js: 300_000, none: 600_000 },
  },
  {
    // The mixed records again, with size rotation: the largest record (200 KiB) is over a
    // batch, the case fanin's size bound is about.
    name: 'rotate',
    classes: MIXED,
    records: { winston: 160_000, log4js: 300_000, none: 600_000 },
    rotation: { files: 10, backups: 1000 },
  },
];

/** The quick (CI smoke) run logs this fraction of a full row. */
export const QUICK_SCALE = 1 / 25;

/** Total records of one row of `workload` for `subject` (its framework's count × its scale). */
export function rowRecords(workload, subject, quick) {
  const base = workload.records[subject.framework] ?? workload.records.none;
  const scale = typeof subject.scale === 'object' ? subject.scale[workload.name] : subject.scale;
  const full = base * (scale ?? 1);
  return Math.max(1000, Math.round(quick ? full * QUICK_SCALE : full));
}

/**
 * The size rotation of a row of a rotating workload, or undefined: `maxBytes` is the row's
 * nominal bytes over `rotation.files` (so one process makes about that many rotated files, at
 * every process count and in --quick too), rounded up to KiB; `backups` is high enough that
 * retention deletes nothing, so the integrity check sees every record.
 */
export function rowRotation(workload, subject, quick) {
  if (!workload.rotation) return undefined;
  const bytes = rowRecords(workload, subject, quick) * meanBytes(workload);
  const maxBytes = Math.ceil(bytes / workload.rotation.files / 1024) * 1024;
  return { maxBytes, backups: workload.rotation.backups };
}

/**
 * Whether `subject` runs in `workload`: rotating workloads take only subjects that rotate, and a
 * subject with `workloads` (names) only those.
 */
export const runsIn = (workload, subject) =>
  (!workload.rotation || subject.rotation !== undefined) &&
  (!subject.workloads || subject.workloads.includes(workload.name));

/** Mean record size of a workload, in bytes. */
export function meanBytes(workload) {
  return workload.classes.reduce((sum, c) => sum + c.bytes * c.weight, 0);
}

// The pattern of sizes comes from a seeded PRNG (@fanin/core/testing's mulberry32, as the test
// fixtures'), so it is the same in every run and every subject, and different in each process.
/** The class index of each of `count` records process `p` logs. */
export function sizePattern(workload, p, count) {
  const pattern = new Uint8Array(count);
  if (workload.classes.length === 1) return pattern;
  const random = prng(0x5eed + p);
  for (let i = 0; i < count; i++) {
    let r = random();
    let c = 0;
    while (c < workload.classes.length - 1 && r >= workload.classes[c].weight) {
      r -= workload.classes[c].weight;
      c++;
    }
    pattern[i] = c;
  }
  return pattern;
}

// The JSON around the pad of a framework-free line: {"p":3,"s":123456,"pad":""} and "\n".
const OVERHEAD = 30;

/** One pad string per class: a record of that class is about `bytes` long once serialized. */
export function pads(workload) {
  return workload.classes.map((c) => 'x'.repeat(Math.max(1, c.bytes - OVERHEAD)));
}
