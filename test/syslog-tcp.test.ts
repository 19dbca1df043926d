import * as path from 'node:path';
import { createSyslogWriter } from '@fanin/syslog';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/processes.js';
import {
  audit,
  createCollector,
  haveRsyslog,
  outage,
  readCollected,
  waitForCollected,
  writeInTurns,
} from './helpers/rsyslog.js';

/** rsyslogd's imtcp, started, and a writer to it over tcp:// with `options`. */
async function tcpPair(options: Partial<Parameters<typeof createSyslogWriter>[0]> = {}) {
  const dir = tempDir();
  const collector = await createCollector(dir, { input: 'tcp' });
  await collector.start();
  const writer = createSyslogWriter({
    target: `tcp://127.0.0.1:${collector.port}`,
    spoolDir: path.join(dir, 'spool'),
    ...options,
  });
  return { collector, writer };
}

// Best effort: octet-counted frames (RFC 6587) to rsyslogd's imtcp, which never answers.
describe.skipIf(!haveRsyslog)('@fanin/syslog best effort over tcp:// to rsyslogd imtcp', () => {
  it('delivers every record once, in order, while the collector stays up', async () => {
    const { collector, writer } = await tcpPair();
    for (let i = 1; i <= 5000; i++) writer.write(`tcp ${i}\nsecond line\n`, 'info');
    expect(await writer.close({ timeoutMs: 30_000 })).toMatchObject({ timedOut: false });
    // The writer is done when the kernel took the bytes; the collector writes them a moment later.
    expect(await waitForCollected(collector, 'tcp 5000#012second line')).toBe(true);
    await collector.stop('SIGTERM');
    const lines = readCollected(collector.output);
    expect(audit(lines)).toMatchObject({ duplicates: 0, gaps: 0, outOfOrder: 0 });
    expect(lines).toHaveLength(5000);
    expect(lines[4999]?.msg).toBe('tcp 5000#012second line');
  });

  // Under load this failed with 1190 / 1958 of 2000 at the end: the collector was stopped while
  // the tail sat unread in its socket buffer (close() resolves when the kernel took the bytes).
  // It now waits for the last record before stopping the collector.
  it('reconnects after a collector SIGKILL and goes on; what the kernel held is lost, not resent', async () => {
    const { collector, writer } = await tcpPair({ reconnectMinMs: 20, reconnectMaxMs: 200 });
    const text = (i: number) => `tcp ${i}`;
    await writeInTurns(writer, { turns: 40, perTurn: 50, text, atTurn: 10 }, () =>
      outage(collector, 'SIGKILL', 300),
    );
    expect(await writer.close({ timeoutMs: 30_000 })).toMatchObject({ timedOut: false });
    expect(await waitForCollected(collector, 'tcp 2000')).toBe(true);
    await collector.stop('SIGTERM');
    const lines = readCollected(collector.output);
    const a = audit(lines);
    expect(a).toMatchObject({ duplicates: 0, outOfOrder: 0 });
    expect(writer.stats().syslog.resent).toBe(0);
    // The records logged after the restart all arrive; the loss is at most what was in flight.
    expect(lines.at(-1)?.msg).toBe('tcp 2000');
    expect(a.gaps).toBeLessThan(2000);
  });
});
