// The results as one SVG chart, written by hand (no dependency): records/s by subject and process
// count on a log scale; first a headline panel (each framework's own file output beside fanin
// under that framework), then one panel per workload, one group of bars per subject and one bar per
// process count; a whisker spans the min–max of the repetitions. A row that lost, tore,
// duplicated or reordered records is drawn red and labelled with the counts; a rotating row with
// oversize files says how many.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { isClean } from './integrity.mjs';

const WIDTH = 1040;
const LABEL_RIGHT = 196; // subject names end here
const X0 = 232; // the plot's left edge (the scale's lowest decade)
const X1 = 820; // its right edge; labels of values go beyond it
const BAR = 9;
const STEP = BAR + 3; // one bar and the space under it
const GROUP_GAP = 10;
const BLUES = ['#9ecae1', '#4292c6', '#08519c', '#08306b'];
const RED = '#d62728';
const ORANGE = '#c85a00';

const xml = (text) =>
  String(text).replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c],
  );

/** 6.33M, 762k, 8.62k: three significant digits. */
export function short(v) {
  const [div, unit] = v >= 1e6 ? [1e6, 'M'] : v >= 1e3 ? [1e3, 'k'] : [1, ''];
  return `${Number((v / div).toPrecision(3))}${unit}`;
}

// A log scale over whole decades that holds every min and max of the rows.
function logScale(rows) {
  const values = rows
    .filter((r) => !r.error)
    .flatMap((r) => [r.minRecordsPerSec, r.maxRecordsPerSec]);
  if (values.length === 0) values.push(1, 10);
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...values))));
  const x = (v) => X0 + ((Math.log10(v) - lo) / (hi - lo)) * (X1 - X0);
  const ticks = [];
  for (let d = lo; d <= hi; d++) {
    for (const m of d < hi ? [1, 2, 5] : [1]) ticks.push({ v: m * 10 ** d, major: m === 1 });
  }
  return { x, ticks };
}

function describe(w) {
  const sizes = w.classes.map((c) => (c.bytes >= 1024 ? `${c.bytes / 1024} KiB` : `${c.bytes} B`));
  const mean = w.classes.reduce((s, c) => s + c.bytes * c.weight, 0);
  const records = `${sizes.join(' / ')} records${sizes.length > 1 ? ` (mean ${Math.round(mean)} B)` : ''}`;
  return w.rotation
    ? `${records}, size rotation on (maxBytes = a row's bytes ÷ ${w.rotation.files})`
    : records;
}

function axis(scale, y, top, bottom) {
  const out = [];
  for (const t of scale.ticks) {
    const x = scale.x(t.v).toFixed(1);
    const stroke = t.major ? '#bbb' : '#e4e4e4';
    out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="${stroke}"/>`);
    out.push(`<text x="${x}" y="${y}" class="tick" text-anchor="middle">${short(t.v)}</text>`);
  }
  return out;
}

// What is wrong with a row, for its label: lost/torn/dup/out-of-order counts and oversize files.
function problems(r) {
  const out = [];
  const i = r.integrity;
  if (i && !isClean(i)) {
    const parts = [
      ['lost', i.lost],
      ['torn', i.torn],
      ['dup', i.dup],
      ['out of order', i.outOfOrder],
    ];
    out.push({
      color: RED,
      text: parts
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k} ${n}`)
        .join(' · '),
    });
  }
  if (r.rotated?.oversize > 0) {
    out.push({
      color: ORANGE,
      text: `oversize ${r.rotated.oversize}/${r.rotated.filesTotal} files (largest ${(r.rotated.largestFile / r.rotated.maxBytes).toFixed(1)}× maxBytes)`,
    });
  }
  return out;
}

function bar(r, y, color, scale) {
  const mid = y + BAR / 2;
  if (r.error) {
    return [
      `<text x="${X0 + 4}" y="${mid + 3.5}" fill="${RED}">error: ${xml(r.error.slice(0, 90))}</text>`,
    ];
  }
  const bad = problems(r);
  const fill = r.integrity && !isClean(r.integrity) ? RED : color;
  const [xm, xa, xb] = [r.recordsPerSec, r.minRecordsPerSec, r.maxRecordsPerSec].map((v) =>
    scale.x(v).toFixed(1),
  );
  const tip = `${r.subject} ${r.workload} ×${r.procs}: ${Math.round(r.recordsPerSec).toLocaleString('en-US')} records/s (min ${short(r.minRecordsPerSec)}, max ${short(r.maxRecordsPerSec)})`;
  const out = [
    `<g><title>${xml(tip)}</title>`,
    `<rect x="${X0}" y="${y}" width="${(xm - X0).toFixed(1)}" height="${BAR}" fill="${fill}"/>`,
    `<path d="M${xa} ${mid}H${xb}M${xa} ${y + 1}V${y + BAR - 1}M${xb} ${y + 1}V${y + BAR - 1}" stroke="#222" fill="none"/>`,
    '</g>',
  ];
  const label = [`<tspan>${short(r.recordsPerSec)}</tspan>`];
  // dx, not a leading space: renderers drop whitespace at the edge of a tspan.
  for (const p of bad) {
    label.push(`<tspan dx="6" fill="${p.color}" font-weight="bold">${xml(p.text)}</tspan>`);
  }
  const lx = (Math.max(Number(xm), Number(xb)) + 5).toFixed(1);
  out.push(`<text x="${lx}" y="${mid + 3.5}">${label.join('')}</text>`);
  return out;
}

// One subject's group of bars (one per process count) from y0.
function group(subject, rows, procs, scale, y0) {
  const first = rows.find((r) => r.subject === subject);
  const tag = `${first.cluster ? ' ‡' : ''}${first.integrity || first.error ? '' : ' (no file)'}`;
  const midY = y0 + (procs.length * STEP) / 2 + 2;
  const out = [
    `<text x="${LABEL_RIGHT}" y="${midY}" text-anchor="end">${xml(subject + tag)}</text>`,
  ];
  for (const [k, p] of procs.entries()) {
    const y = y0 + k * STEP;
    out.push(`<text x="${X0 - 4}" y="${y + BAR - 1}" class="tick" text-anchor="end">×${p}</text>`);
    const r = rows.find((x) => x.subject === subject && x.procs === p);
    if (r) out.push(...bar(r, y, BLUES[k % BLUES.length], scale));
  }
  return out;
}

// One workload's panel from `top`; returns its elements and its height.
function panel(w, rows, procs, scale, top) {
  const subjects = [...new Set(rows.map((r) => r.subject))];
  const groupHeight = procs.length * STEP + GROUP_GAP;
  const plotTop = top + 40;
  const plotBottom = plotTop + subjects.length * groupHeight;
  const out = [
    `<text x="12" y="${top + 16}" class="h2">${xml(w.name)}</text>`,
    `<text x="${12 + 9 * w.name.length + 14}" y="${top + 16}" class="note">${xml(describe(w))}</text>`,
    ...axis(scale, plotTop - 6, plotTop - 2, plotBottom),
    ...axis(scale, plotBottom + 13, plotBottom, plotBottom),
  ];
  for (const [g, subject] of subjects.entries()) {
    out.push(...group(subject, rows, procs, scale, plotTop + g * groupHeight + GROUP_GAP / 2));
  }
  return { out, height: plotBottom + 30 - top };
}

// The headline: each framework's own file output today beside fanin under the same framework,
// on the mixed workload (the first workload run, when mixed was not).
const HEADLINE = [
  ['winston-file', 'fanin-winston'],
  ['log4js-file', 'fanin-log4js'],
  ['pino-transport', 'fanin-pino-transport'],
];

function headline(rows, ran, procs, scale, top) {
  const w = ran.find((x) => x.name === 'mixed') ?? ran[0];
  const pairs = HEADLINE.filter((pair) =>
    pair.every((s) => rows.some((r) => r.workload === w?.name && r.subject === s)),
  );
  if (!w || pairs.length === 0) return { out: [], height: 0 };
  const subjects = pairs.flat();
  const picked = rows.filter((r) => r.workload === w.name && subjects.includes(r.subject));
  picked.sort((a, b) => subjects.indexOf(a.subject) - subjects.indexOf(b.subject));
  // Each pair: the framework's own file output, then fanin's transport under that framework.
  return panel(
    { ...w, name: `your transport today vs fanin (${w.name})` },
    picked,
    procs,
    scale,
    top,
  );
}

function legend(procs, rotated, y) {
  const out = [];
  let x = 12;
  const item = (swatch, text) => {
    out.push(swatch(x), `<text x="${x + 16}" y="${y + 9}">${xml(text)}</text>`);
    x += Math.round(16 + text.length * 6.2 + 18);
  };
  const box = (color) => (at) =>
    `<rect x="${at}" y="${y}" width="12" height="${BAR}" fill="${color}"/>`;
  for (const [k, p] of procs.entries()) {
    item(box(BLUES[k % BLUES.length]), `${p} process${p > 1 ? 'es' : ''}`);
  }
  item(box(RED), 'lost / torn / dup / out-of-order records');
  if (rotated) item(box(ORANGE), 'oversize rotated files');
  item(
    (at) =>
      `<path d="M${at} ${y + 4.5}H${at + 12}M${at} ${y}V${y + BAR}M${at + 12} ${y}V${y + BAR}" stroke="#222"/>`,
    'min–max of the repetitions',
  );
  return out;
}

function heading(meta, procs, rotated) {
  const mode = meta.quick
    ? 'quick run (small counts, not for comparison)'
    : meta.partial
      ? 'partial run'
      : 'full run';
  const about = `${meta.date.slice(0, 10)} · commit ${meta.commit} · node ${meta.node} · ${meta.cpus} CPUs · ${meta.fs} · ${mode} · ${meta.burst} records per event-loop turn`;
  return [
    `<text x="12" y="24" class="h1">fanin benchmark — records/s, median of ${meta.reps} repetition(s), log scale</text>`,
    `<text x="12" y="42" class="note">${xml(about)}</text>`,
    ...legend(procs, rotated, 54),
  ];
}

// The notes under the panels, for the kinds of row the chart has.
function footnotes(rows) {
  return [
    rows.some((r) => !r.error && !r.integrity) &&
      '(no file): the framework with a transport that writes nothing, its ceiling.',
    rows.some((r) => r.cluster) &&
      '‡ cluster mode: one primary writes what the workers send; the clock runs until it has written everything.',
    rows.some((r) => r.rotated) &&
      'oversize: rotated files over max(1.5 × maxBytes, maxBytes + (P − 1) × max(64 KiB, longest line)).',
  ].filter(Boolean);
}

/** The chart of `rows` (the workloads `ran`, in order) as an SVG document. */
export function renderChart(meta, rows, ran) {
  const procs = [...new Set(rows.map((r) => r.procs))].sort((a, b) => a - b);
  const scale = logScale(rows);
  const body = heading(
    meta,
    procs,
    rows.some((r) => r.rotated),
  );
  let top = 78;
  const head = headline(rows, ran, procs, scale, top);
  body.push(...head.out);
  top += head.height;
  for (const w of ran) {
    const p = panel(
      w,
      rows.filter((r) => r.workload === w.name),
      procs,
      scale,
      top,
    );
    body.push(...p.out);
    top += p.height;
  }
  const foot = footnotes(rows);
  for (const [k, text] of foot.entries()) {
    body.push(`<text x="12" y="${top + 4 + k * 15}" class="note">${xml(text)}</text>`);
  }
  const height = top + 12 + foot.length * 15;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">`,
    '<style>text{font:11px system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;fill:#222}.h1{font-size:15px;font-weight:bold}.h2{font-size:14px;font-weight:bold}.note{fill:#555}.tick{font-size:9px;fill:#666}</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/**
 * Writes the chart of `rows` to `file` (.svg), and beside it a PNG made by rsvg-convert
 * (Debian's librsvg2-bin) when it is installed; returns the PNG's path, or undefined.
 */
export function writeChart(file, meta, rows, ran) {
  fs.writeFileSync(file, renderChart(meta, rows, ran));
  const png = file.replace(/\.svg$/, '.png');
  const made = spawnSync('rsvg-convert', ['--background-color', 'white', '-o', png, file]);
  if (made.status === 0) return png;
  process.stderr.write(
    'bench: no PNG of the chart (rsvg-convert not found: apt-get install librsvg2-bin)\n',
  );
  return undefined;
}
