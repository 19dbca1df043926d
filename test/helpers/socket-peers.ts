// The independent processes of the socket tests (test/fixtures/ipc-peer.cjs on a socket path):
// started, settled in their elected roles, and — for the tests where a writer and a forwarder
// log while something else happens — ended and checked the one way those tests share.
import * as fs from 'node:fs';
import { expect } from 'vitest';
import { checkLog, expectWholeLog } from './check-log.js';
import { type IpcReport, MIXED, MIXED_RECORDS } from './ipc.js';
import { expectCleanExits, type Forked, forkFixture, messageOf, reportOf } from './processes.js';

/** How {@link socketPeer} runs its ipc-peer. */
export interface PeerRun {
  /** "small,medium,large" records to log. @default MIXED */
  counts?: string;
  /** How it ends (ipc-peer.cjs). @default 'close' */
  ending?: 'close' | 'exit';
  /** The side file its exit report goes to ('-': none). @default '-' */
  side?: string;
  /** How it starts: settle its election, say 'ready', wait for 'go'. @default ['settle', 'wait'] */
  start?: string[];
  /** More flags of ipc-peer.cjs (pace:<ms>, hold …). @default [] */
  flags?: string[];
  /** fanin options of its writer. */
  options?: object;
}

/**
 * An ipc-peer with index `p` on the socket `sock`, logging to `file`; by default it settles
 * its election, says 'ready' and waits for 'go'.
 *
 * @example
 * const writer = await readyAs('writer', socketPeer(sock, file, 0, { flags: ['hold'] }));
 */
export function socketPeer(sock: string, file: string, p: number, run: PeerRun = {}): Forked {
  const { counts = MIXED, ending = 'close', side = '-', start = ['settle', 'wait'] } = run;
  const args = ['writer', sock, file, String(p), counts, ending, side, ...start];
  return forkFixture('ipc-peer', [...args, ...(run.flags ?? [])], { options: run.options ?? {} });
}

/** `f`, once it said it is 'ready' in the role `role`. */
export async function readyAs(role: 'writer' | 'forwarder', f: Forked): Promise<Forked> {
  expect(await messageOf(f, 'ready')).toMatchObject({ role });
  return f;
}

/** {@link socketPeer} 0, started first: resolves once it says it is the writer. */
export function socketWriter(
  sock: string,
  file: string,
  counts: string,
  options: object = {},
): Promise<Forked> {
  return readyAs('writer', socketPeer(sock, file, 0, { counts, options }));
}

/**
 * A writer (peer 0, holding its end until told) and a forwarder (peer 1), settled in that
 * order on `sock`, both logging `counts` ({@link MIXED} by default) once they get 'go'.
 */
export async function writerAndForwarder(
  sock: string,
  file: string,
  run: Pick<PeerRun, 'counts' | 'flags' | 'options'> = {},
): Promise<{ writer: Forked; forwarder: Forked }> {
  const held = { ...run, flags: [...(run.flags ?? []), 'hold'] };
  const writer = await readyAs('writer', socketPeer(sock, file, 0, held));
  const forwarder = await readyAs('forwarder', socketPeer(sock, file, 1, run));
  return { writer, forwarder };
}

/**
 * The end of {@link writerAndForwarder}'s pair: once the forwarder is done, the writer has
 * logged and `beforeEnd` has settled, the writer ends. The log holds every record of both
 * (`records` each, {@link MIXED_RECORDS} by default), whole, once, in order, and the forwarder
 * never lost its writer nor resent. Returns both reports.
 */
export async function endAndCheck(
  pair: { writer: Forked; forwarder: Forked },
  file: string,
  { records = MIXED_RECORDS, beforeEnd = async () => {} } = {},
): Promise<{ w: IpcReport; f: IpcReport }> {
  const { writer, forwarder } = pair;
  await expectCleanExits([forwarder]);
  await messageOf(writer, 'logged');
  await beforeEnd();
  writer.child.send('end');
  await expectCleanExits([writer]);
  expectWholeLog(checkLog(fs.readFileSync(file, 'utf8'), [records, records]), 2 * records);
  const [w, f] = [reportOf(writer), reportOf(forwarder)] as unknown as IpcReport[];
  expect(f?.stats.ipc).toMatchObject({ writerLost: 0, resent: 0 });
  return { w: w as IpcReport, f: f as IpcReport };
}
