// Turns the runs of each row into the numbers of the table, and the table and ratios into
// Markdown. Medians over repetitions; the spread is the min–max of records/s.

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

function percentile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Per-call times of one run (all its processes), in µs. */
export function callTimes(dones) {
  const all = new Float64Array(dones.reduce((n, d) => n + d.samples.length, 0));
  let at = 0;
  for (const d of dones) {
    all.set(d.samples, at);
    at += d.samples.length;
  }
  all.sort();
  return { p50: percentile(all, 0.5) / 1000, p99: percentile(all, 0.99) / 1000 };
}

const sumIntegrity = (runs) => {
  const keys = ['lost', 'torn', 'dup', 'outOfOrder', 'other'];
  const out = Object.fromEntries(keys.map((k) => [k, 0]));
  for (const r of runs) for (const k of keys) out[k] += r.integrity?.[k] ?? 0;
  return out;
};

// A rotated log's figures over the repetitions: files per run (min–max), the largest file, and
// the oversize files of all runs out of all their files.
function sumRotated(runs) {
  const files = runs.map((r) => r.integrity.files);
  return {
    maxBytes: runs[0].integrity.maxBytes,
    filesMin: Math.min(...files),
    filesMax: Math.max(...files),
    largestFile: Math.max(...runs.map((r) => r.integrity.largestFile)),
    limit: Math.min(...runs.map((r) => r.integrity.limit)),
    oversize: runs.reduce((n, r) => n + r.integrity.oversize, 0),
    filesTotal: files.reduce((n, f) => n + f, 0),
    strays: [...new Set(runs.flatMap((r) => r.integrity.strays))],
  };
}

/** One row of the table from its runs (each `{ records, bytes, wallNs, p50, p99, … }`). */
export function summarize(key, runs) {
  const rate = runs.map((r) => r.records / (r.wallNs / 1e9));
  const mb = runs.map((r) => r.bytes / 1e6 / (r.wallNs / 1e9));
  return {
    ...key,
    recordsPerSec: median(rate),
    minRecordsPerSec: Math.min(...rate),
    maxRecordsPerSec: Math.max(...rate),
    mbPerSec: median(mb),
    p50Us: median(runs.map((r) => r.p50)),
    p99Us: median(runs.map((r) => r.p99)),
    peakRssMiB: Math.max(...runs.map((r) => r.maxRssKiB)) / 1024,
    integrity: key.writesFile ? sumIntegrity(runs) : undefined,
    ...(key.rotation && key.writesFile && { rotated: sumRotated(runs) }),
    errors: runs.flatMap((r) => r.errors),
    runs,
  };
}

const int = (x) => Math.round(x).toLocaleString('en-US');
const kilo = (x) => `${int(x / 1000)}k`;
const us = (x) => (x < 10 ? x.toFixed(2) : x.toFixed(1));

function integrityCell(i) {
  if (!i) return 'n/a';
  const cell = `${i.lost}/${i.torn}/${i.dup}/${i.outOfOrder}`;
  return i.lost + i.torn + i.dup + i.outOfOrder === 0 ? `${cell} ok` : `**${cell}**`;
}

const HEAD = [
  'subject',
  'framework',
  'procs',
  'workload',
  'records/s (median)',
  'MB/s',
  'spread (min–max)',
  'call p50 µs',
  'call p99 µs',
  'peak RSS MiB',
  'integrity lost/torn/dup/ooo',
];

const tableLine = (cells) => `| ${cells.join(' | ')} |`;

/** The Markdown table of all rows. */
export function rowsTable(rows) {
  const lines = [tableLine(HEAD), tableLine(HEAD.map((_, i) => (i < 4 ? '---' : '---:')))];
  for (const r of rows) {
    if (r.error) {
      lines.push(
        tableLine([
          r.subject,
          r.framework,
          r.procs,
          r.workload,
          `error: ${r.error}`,
          ...Array(6).fill(''),
        ]),
      );
      continue;
    }
    lines.push(
      tableLine([
        r.cluster ? `${r.subject} ‡` : r.subject,
        r.framework,
        r.procs,
        r.workload,
        int(r.recordsPerSec),
        r.mbPerSec.toFixed(1),
        `${kilo(r.minRecordsPerSec)}–${kilo(r.maxRecordsPerSec)}`,
        us(r.p50Us),
        us(r.p99Us),
        r.peakRssMiB.toFixed(0),
        integrityCell(r.integrity),
      ]),
    );
  }
  return lines.join('\n');
}

/** Each ratio of `ratios` for every workload × procs both of its rows ran in. */
export function computeRatios(rows, ratios) {
  const find = (subject, workload, procs) =>
    rows.find(
      (r) => !r.error && r.subject === subject && r.workload === workload && r.procs === procs,
    );
  const out = [];
  for (const def of ratios) {
    for (const a of rows.filter((r) => r.subject === def.a && !r.error)) {
      const b = find(def.b, a.workload, a.procs);
      if (!b) continue;
      const value = a.recordsPerSec / b.recordsPerSec;
      // The targets were set for the workloads without rotation; rotating ones are shown bare.
      const judged = def.target !== undefined && !a.rotation;
      const verdict = !judged ? undefined : value >= def.target ? 'PASS' : 'MISS';
      out.push({ ...def, workload: a.workload, procs: a.procs, value, verdict });
    }
  }
  return out;
}

/** The ratio section: one line per comparison, one column per workload × procs. */
export function ratiosTable(ratios) {
  const cols = [...new Set(ratios.map((r) => `${r.workload} ×${r.procs}`))];
  const defs = [...new Map(ratios.map((r) => [`${r.a}/${r.b}`, r])).values()];
  const head = ['comparison (records/s)', 'target', ...cols];
  const lines = [tableLine(head), tableLine(head.map((_, i) => (i < 2 ? '---' : '---:')))];
  for (const d of defs) {
    const cells = cols.map((c) => {
      const r = ratios.find((x) => x.a === d.a && x.b === d.b && `${x.workload} ×${x.procs}` === c);
      if (!r) return '—';
      return r.verdict ? `${r.value.toFixed(2)} ${r.verdict}` : r.value.toFixed(2);
    });
    const target = d.target === undefined ? '—' : `≥ ${d.target}`;
    lines.push(tableLine([`${d.a} / ${d.b}`, target, ...cells]));
  }
  return lines.join('\n');
}

const mb = (bytes) => (bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1);

/** The rotation table: per rotating row, its files and how far over maxBytes they went. */
export function rotationTable(rows) {
  const head = [
    'subject',
    'procs',
    'maxBytes MB',
    'files a run',
    'largest file MB',
    'largest ÷ maxBytes',
    'oversize files',
    'integrity lost/torn/dup/ooo',
  ];
  const lines = [tableLine(head), tableLine(head.map((_, i) => (i < 1 ? '---' : '---:')))];
  for (const r of rows.filter((x) => x.rotated)) {
    const o = r.rotated;
    const files = o.filesMin === o.filesMax ? `${o.filesMin}` : `${o.filesMin}–${o.filesMax}`;
    const over = `${o.oversize} of ${o.filesTotal}`;
    lines.push(
      tableLine([
        r.subject,
        r.procs,
        mb(o.maxBytes),
        files,
        mb(o.largestFile),
        (o.largestFile / o.maxBytes).toFixed(2),
        o.oversize > 0 ? `**${over}**` : over,
        integrityCell(r.integrity),
      ]),
    );
  }
  return lines.join('\n');
}
