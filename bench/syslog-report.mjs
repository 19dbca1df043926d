// The syslog section of the results: for each row shipped to rsyslogd (syslog-subjects.mjs),
// what each record cost the senders' CPUs and the collector's, and the load average during its
// runs. On a shared 2-CPU machine the rates move with the load; the CPU per record moves less,
// and tells which side bounds a row.

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

const line = (cells) => `| ${cells.join(' | ')} |`;
const fixed = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');

/** The Markdown section, or no lines when no syslog row ran. */
export function syslogSection(rows) {
  const shipped = rows.filter((r) => !r.error && r.runs?.some((run) => run.collectorCpuS >= 0));
  if (shipped.length === 0) return [];
  const head = [
    'subject',
    'procs',
    'delivered records/s',
    'sender CPU µs/record',
    'rsyslogd CPU µs/record',
    'load (1 min)',
  ];
  const lines = [line(head), line(head.map((_, i) => (i < 2 ? '---' : '---:')))];
  for (const r of shipped) {
    const per = (key) => median(r.runs.map((run) => (run[key] / run.records) * 1e6));
    const loads = r.runs.map((run) => run.load1);
    lines.push(
      line([
        r.subject,
        r.procs,
        Math.round(r.recordsPerSec).toLocaleString('en-US'),
        fixed(per('senderCpuS')),
        fixed(per('collectorCpuS')),
        `${fixed(Math.min(...loads), 2)}–${fixed(Math.max(...loads), 2)}`,
      ]),
    );
  }
  return [
    '## Syslog',
    '',
    "Rows shipped to a real rsyslogd started for each run (imrelp and imtcp on 127.0.0.1, `main_queue` Direct, omfile with `%msg%\\n`; `%rawmsg%` for pino-socket, which sends no syslog header). Their clock stops when the last record is in the collector's file (its mtime), and records/s counts the records found there whole. Sender CPU: user + system time of all the logging processes from `go` to the end of their logger; rsyslogd CPU: its utime + stime (/proc/PID/stat) over the whole run; both per delivered record, median over the repetitions. Load: the 1-minute load average at the end of each run.",
    '',
    ...lines,
    '',
  ];
}
