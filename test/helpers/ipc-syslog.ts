import { once } from 'node:events';
import * as net from 'node:net';
import { onTestFinished } from 'vitest';
import { audit, type Collector, readCollected } from './rsyslog.js';

// What the ipc-syslog tests read of a collector fed by @fanin/ipc with a @fanin/syslog
// destination: records {p, i} of several processes, shipped by one or more syslog writers.

/**
 * A TCP relay in front of the collector that counts the connections made through it: how many
 * RELP sessions the cluster opened (the collector itself does not tell).
 */
export async function countingRelay(
  to: number,
): Promise<{ port: number; connections: () => number }> {
  let n = 0;
  const server = net.createServer((client) => {
    n++;
    const up = net.connect({ host: '127.0.0.1', port: to });
    client.pipe(up).pipe(client);
    const end = () => {
      client.destroy();
      up.destroy();
    };
    for (const s of [client, up]) s.on('error', end).on('close', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(() => void server.close());
  return { port: (server.address() as net.AddressInfo).port, connections: () => n };
}

/** Per worker: unique records and the highest; duplicates and order by each message's (w, s). */
export function integrity(collector: Collector) {
  // A line rsyslogd cut off when it was killed is no delivered record (see readCollected).
  const lines = readCollected(collector.output)
    .filter((l) => !l.torn)
    .map((l) => ({ ...l, rec: JSON.parse(l.msg) as { p: string; i: number } }));
  const a = audit(lines);
  const byWorker = new Map<string, Set<number>>();
  for (const l of lines) {
    const set = byWorker.get(l.rec.p) ?? new Set<number>();
    byWorker.set(l.rec.p, set);
    set.add(l.rec.i);
  }
  const workers = [...byWorker].map(([p, set]) => ({ p, unique: set.size, max: Math.max(...set) }));
  workers.sort((x, y) => (x.p < y.p ? -1 : 1));
  const unique = workers.reduce((n, w) => n + w.unique, 0);
  // `duplicates` counts by (w, s); `extraCopies` by record, across writers too.
  return { ...a, writerIds: [...a.writers.keys()], workers, extraCopies: lines.length - unique };
}
