import { describe, expect, it } from 'vitest';
import { type IpcReport, messagesCount, messagesOf, rssOf, shortTempDir } from './helpers/ipc.js';
import { forkFixture, messageOf } from './helpers/processes.js';
import { endAndCheck, writerAndForwarder } from './helpers/socket-peers.js';

const MiB = 1024 * 1024;

/**
 * The hostile peer (test/fixtures/ipc-hostile.cjs): `connections` connections to `sock`, each
 * a TEXT header claiming `claimed` body bytes and `sent` of them, then a stall.
 */
function hostile(sock: string, connections: number, claimed: number, sent: number, hello = false) {
  const args = [sock, String(connections), String(claimed), String(sent)];
  return forkFixture('ipc-hostile', hello ? [...args, 'hello'] : args);
}

/**
 * The writer and the forwarder log (pace:5); once the forwarder is done and `attackOver`, the
 * writer ends and the log is checked whole (socket-peers.ts). Returns the writer's report and
 * its peak RSS by then.
 */
async function logAndCheck(pair: Pair, file: string, attackOver: Promise<void>) {
  for (const f of [pair.writer, pair.forwarder]) f.child.send('go');
  let peakKiB = 0;
  const beforeEnd = async () => {
    await attackOver;
    peakKiB = rssOf(pair.writer.child.pid as number).peakKiB;
  };
  const { w } = await endAndCheck(pair, file, { beforeEnd });
  return { w, peakKiB };
}

type Pair = Awaited<ReturnType<typeof writerAndForwarder>>;
const paced = (options: object) => ({ flags: ['pace:5'], options });

type GuardCounts = { peersRefused: number; bufferRefused: number; framesTimedOut: number };
const guardOf = (r: IpcReport) => r.stats.ipc as unknown as GuardCounts;

describe('@fanin/ipc via socket: a hostile local peer cannot exhaust the writer', () => {
  it('60 connections each claiming a ~16 MiB frame, sending 15 MB of it and stalling: memory stays bounded, all 60 are closed, a real forwarder loses nothing', async () => {
    const { sock, file } = shortTempDir();
    // Defaults (maxPeerBufferBytes 64 MiB) but the idle timeout (10 s by default).
    const pair = await writerAndForwarder(sock, file, paced({ frameTimeoutMs: 5000 }));
    const before = rssOf(pair.writer.child.pid as number).rssKiB;

    const attack = hostile(sock, 60, 16 * MiB - 100, 15_000_000);
    await messageOf(attack, 'sent');
    // The forwarder logs while the last hostile connections still hold their frames.
    const { w, peakKiB } = await logAndCheck(pair, file, messagesCount(attack, 'closed', 60));

    // 900 MB sent; the writer holds at most 64 MiB of it (50 -> 913 MiB before the bound, none
    // closed). Evicted connections' buffers wait for a collection: allow 4 × the bound.
    process.stdout.write(
      `hostile peer: writer RSS ${Math.round(before / 1024)} MiB before, peak ${Math.round(peakKiB / 1024)} MiB\n`,
    );
    expect(peakKiB - before).toBeLessThan(4 * 64 * 1024);
    const g = guardOf(w);
    expect(g.bufferRefused).toBeGreaterThan(0);
    expect(g.bufferRefused + g.framesTimedOut).toBe(60);
    expect(g.peersRefused).toBe(0);
    // Reported once per outage, then a summary with the count at most every 5 s and at its end:
    // not once per connection.
    const reports = w.errors.filter((e) => /maxPeerBufferBytes/.test(e.message));
    expect(reports.length).toBeGreaterThanOrEqual(1);
    expect(reports.length).toBeLessThanOrEqual(5);
    expect(reports[0]?.code).toBe('ERR_FANIN_FRAME');
  });

  it('maxPeers: connections past the limit are closed at once, the admitted stalled ones after frameTimeoutMs; a real forwarder loses nothing', async () => {
    const { sock, file } = shortTempDir();
    const pair = await writerAndForwarder(sock, file, paced({ maxPeers: 4, frameTimeoutMs: 3000 }));

    // The forwarder holds one of the 4 places: 3 hostile connections get in, 7 do not.
    const attack = hostile(sock, 10, 1_000_000, 500_000, true);
    await messagesCount(attack, 'closed', 7);
    const closed = messagesCount(attack, 'closed', 10);
    const { w } = await logAndCheck(pair, file, closed);
    expect(messagesOf(attack, 'closed')).toHaveLength(10);

    expect(guardOf(w)).toMatchObject({ peersRefused: 7, framesTimedOut: 3, bufferRefused: 0 });
    const limit = w.errors.filter((e) => /maxPeers/.test(e.message));
    expect(limit.length).toBeGreaterThanOrEqual(1);
    expect(limit.length).toBeLessThanOrEqual(2);
    const timedOut = w.errors.filter((e) => e.code === 'ERR_FANIN_TIMEOUT');
    expect(timedOut.length).toBeGreaterThanOrEqual(1);
    expect(timedOut.length).toBeLessThanOrEqual(2);
    expect(timedOut[0]?.message).toMatch(/frameTimeoutMs \(3000 ms\)/);
  });
});
