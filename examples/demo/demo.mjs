// The main demo: PROCS processes log RECORDS records each (mixed sizes: 100 B, 8 KB, 200 KB)
// into one file and exit with process.exit() right after logging, once through fanin's
// AppendFileTransport and once through winston's own File transport. Then it reads both files
// and prints what landed: records whole, lost, torn, duplicated, out of order.
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const PROCS = Number(process.env.PROCS ?? 4);
const RECORDS = Number(process.env.RECORDS ?? 5000);
const self = fileURLToPath(import.meta.url);

function sizeFor(seq) {
  if (seq % 1000 === 999) return 200 * 1024;
  if (seq % 50 === 49) return 8 * 1024;
  return 100;
}

async function child([, , , kind, file, proc]) {
  const { default: winston } = await import('winston');
  const { AppendFileTransport } = await import('@fanin/append-file');
  const transport =
    kind === 'fanin'
      ? new AppendFileTransport({ filename: file })
      : new winston.transports.File({ filename: file });
  const logger = winston.createLogger({ format: winston.format.json(), transports: [transport] });
  for (let s = 0; s < RECORDS; s++) {
    logger.info('demo', { p: Number(proc), s, pad: 'x'.repeat(sizeFor(s)) });
  }
  process.exit(0); // at once, as a crashing or short-lived worker would
}

function check(file) {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const seen = Array.from({ length: PROCS }, () => new Set());
  const last = Array(PROCS).fill(-1);
  let torn = 0;
  let dup = 0;
  let disorder = 0;
  for (const line of text.split('\n')) {
    if (!line) continue;
    let rec;
    try {
      rec = JSON.parse(line);
    } catch {
      torn++;
      continue;
    }
    if (rec.pad?.length !== sizeFor(rec.s)) torn++;
    if (seen[rec.p].has(rec.s)) dup++;
    if (rec.s < last[rec.p]) disorder++;
    seen[rec.p].add(rec.s);
    last[rec.p] = rec.s;
  }
  const whole = seen.reduce((n, s) => n + s.size, 0);
  return { whole, lost: PROCS * RECORDS - whole, torn, dup, disorder, bytes: text.length };
}

async function run(kind, dir) {
  const file = path.join(dir, `${kind}.log`);
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from(
      { length: PROCS },
      (_, p) =>
        new Promise((resolve) => fork(self, ['child', kind, file, String(p)]).on('exit', resolve)),
    ),
  );
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { kind, ms, ...check(file) };
}

if (process.argv[2] === 'child') {
  await child(process.argv);
} else {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-demo-'));
  console.log(
    `${PROCS} processes x ${RECORDS} records (100 B / 8 KB / 200 KB), process.exit() right after logging\n`,
  );
  const rows = [await run('fanin', dir), await run('winston-file', dir)];
  console.log('| transport | records whole | lost | torn | duplicated | out of order | wall ms |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.kind} | ${r.whole} / ${PROCS * RECORDS} | ${r.lost} | ${r.torn} | ${r.dup} | ${r.disorder} | ${r.ms.toFixed(0)} |`,
    );
  }
  console.log(`\nfiles in ${dir}`);
  const fanin = rows[0];
  if (fanin.lost || fanin.torn || fanin.dup || fanin.disorder) {
    console.error('fanin lost or damaged records: this is a bug');
    process.exit(1);
  }
}
