// The bench's command line: options, --help, and errors as one line plus the usage (never a
// stack trace), exit status 2.
import { parseArgs } from 'node:util';
import { subjects } from './subjects.mjs';
import { workloads } from './workloads.mjs';

const USAGE = `usage: pnpm bench [options]   (or: node bench/run.mjs [options] after pnpm build)

  --quick              fewer records, 1 repetition: a smoke run in about a minute
  --suite syslog       the rows shipped to rsyslogd (#17): small workload, 1 and 4 processes
  --only a,b           only subjects whose name contains one of these (e.g. --only fanin,pino)
  --workload NAME      one workload: ${workloads.map((w) => w.name).join(', ')}
  --procs 1,2,4        process counts (default 1,2,4)
  --reps N             repetitions per row (default 3; 1 with --quick)
  --burst N            records logged per event-loop turn (default 100)
  --cpu-prof           write V8 CPU profiles to bench/results/profiles
  -h, --help           this text

A full run writes bench/results/latest.{md,json,svg}; --quick writes quick.*, a narrowed run
(--only, --workload, --procs, --burst, --cpu-prof) partial.*. Subjects:
${subjects.map((s) => s.name).join(', ')}`;

function fail(message) {
  process.stderr.write(`bench: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

const positive = (n) => Number.isInteger(n) && n > 0;

// --suite syslog: the subjects that ship to a collector, in the one workload they run in, at
// 1 and 4 processes unless --procs says otherwise; a narrowed run (results/partial.*).
function suite(args) {
  if (args.suite !== 'syslog') fail(`unknown --suite "${args.suite}" (known: syslog)`);
  args.only ??= subjects
    .filter((s) => s.collector)
    .map((s) => s.name)
    .join(',');
  args.workload ??= 'small';
  if (args.procs === '1,2,4') args.procs = '1,4';
}

/** The run's settings from argv; prints the usage and exits on --help or a bad argument. */
export function parseCli(argv = process.argv.slice(2)) {
  let args;
  try {
    ({ values: args } = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean', default: false },
        suite: { type: 'string' },
        only: { type: 'string' },
        workload: { type: 'string' },
        procs: { type: 'string', default: '1,2,4' },
        reps: { type: 'string' },
        burst: { type: 'string', default: '100' },
        'cpu-prof': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    fail(err.message);
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (args.suite !== undefined) suite(args);
  const config = {
    quick: args.quick,
    reps: Number(args.reps ?? (args.quick ? 1 : 3)),
    procs: args.procs.split(',').map(Number),
    burst: Number(args.burst),
    // Anything but the default full run (narrowed, or with other batching or a profiler) is not
    // the committed result.
    partial:
      args.only !== undefined ||
      args.workload !== undefined ||
      args.procs !== '1,2,4' ||
      args.burst !== '100' ||
      args['cpu-prof'],
  };
  if (!config.procs.every(positive)) fail(`--procs takes positive integers, got "${args.procs}"`);
  if (!positive(config.reps)) fail(`--reps takes a positive integer, got "${args.reps}"`);
  if (!positive(config.burst)) fail(`--burst takes a positive integer, got "${args.burst}"`);
  if (args.workload !== undefined && !workloads.some((w) => w.name === args.workload)) {
    fail(`unknown --workload "${args.workload}"`);
  }
  const only = args.only?.split(',').filter(Boolean);
  if (only && !subjects.some((s) => only.some((o) => s.name.includes(o)))) {
    fail(`no subject name contains any of "${args.only}"`);
  }
  return { config, only, workload: args.workload, cpuProf: args['cpu-prof'] };
}
