import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { endOf, tempDir } from '../helpers/processes.js';
import { checkFaultLog, type FaultChild, nextMessage, stopFault } from './fault-log.js';

interface Tock {
  stats: { records: number; dropped: { total: number; byReason: Record<string, number> } };
  errors: { reason: string; records: number; message: string }[];
}

const FIXTURE = fileURLToPath(new URL('./fixtures/fault-writer.cjs', import.meta.url));
const O_NONBLOCK = 0o4000;

async function tick(f: FaultChild): Promise<Tock> {
  const tock = nextMessage(f, 'tock', f.messages.length);
  f.child.send('tick');
  return (await tock) as unknown as Tock;
}

/**
 * `node fault-writer.cjs /dev/stdout … | cat > sink` run by a shell: the writer's stdout is a
 * real anonymous pipe (not the socket pair Node's own `stdio: 'pipe'` makes). Returns the shell
 * (the IPC channel reaches the writer through it) and the writer's and cat's pids.
 */
async function pipeline(sink: string, options: object) {
  const cmd = `"${process.execPath}" "${FIXTURE}" /dev/stdout w0 1000,100,3000 1 | cat > "${sink}"`;
  const sh = spawn('sh', ['-c', cmd], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, FANIN_FAULT_OPTIONS: JSON.stringify(options) },
  });
  const kids = (): number[] => {
    const list = fs.readFileSync(`/proc/${sh.pid}/task/${sh.pid}/children`, 'utf8').trim();
    return list === '' ? [] : list.split(' ').map(Number);
  };
  const comm = (pid: number) => fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  const f = asFault(sh);
  await nextMessage(f, 'ready');
  const both = await vi.waitUntil(() => (kids().length === 2 ? kids() : false), {
    timeout: 10_000,
  });
  const cat = both.find((p) => comm(p) === 'cat') as number;
  const writer = both.find((p) => p !== cat) as number;
  onTestFinished(() => {
    for (const pid of [cat, writer]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Ended already.
      }
    }
  });
  return { f, cat, writer };
}

function asFault(child: ChildProcess): FaultChild {
  const messages: FaultChild['messages'] = [];
  child.on('message', (m) => messages.push(m as FaultChild['messages'][number]));
  return { child, messages, exited: endOf(child, 'exit') };
}

// fanin #14 item 7: a pipe passed as a descriptor (stdout into a `cat` that stops reading).
// Before, the descriptor was written as inherited, blocking: the app froze in anon_pipe_write
// once the pipe's 64 KiB were full (no timer ran until cat went on). Now the pipe is opened
// again through /proc/self/fd/1, non-blocking, and eagainTimeoutMs applies as for a FIFO.
describe.skipIf(process.platform !== 'linux')(
  'fault: stdout piped into a reader that stops',
  () => {
    it('the app keeps turning, drops are counted (EAGAIN), the shared descriptor stays blocking, the rest arrives whole', async () => {
      const sink = path.join(tempDir(), 'read.log');
      const { f, cat, writer } = await pipeline(sink, { eagainTimeoutMs: 50 });
      await tick(f);
      process.kill(cat, 'SIGSTOP');
      let stalled = await tick(f);
      while (stalled.stats.dropped.total === 0) stalled = await tick(f);
      const during = [await tick(f), await tick(f)];
      // O_NONBLOCK was not set on the description the shell and cat share.
      const flags = /flags:\s+(\d+)/.exec(fs.readFileSync(`/proc/${writer}/fdinfo/1`, 'utf8'));
      expect(Number.parseInt(flags?.[1] ?? '0', 8) & O_NONBLOCK).toBe(0);
      process.kill(cat, 'SIGCONT');
      let after = await tick(f);
      while (after.stats.records <= (during.at(-1)?.stats.records ?? 0) + 10) after = await tick(f);
      const report = (await stopFault(f)) as unknown as Tock & { records: number };
      await vi.waitUntil(() => !fs.existsSync(`/proc/${cat}`), { timeout: 10_000 });

      const { dropped } = report.stats;
      expect(Object.keys(dropped.byReason)).toEqual(['EAGAIN']);
      const check = checkFaultLog(fs.readFileSync(sink, 'utf8'));
      const seqs = check.seqs.get('w0') ?? [];
      console.log(
        `fd-pipe: ${JSON.stringify({ records: report.records, dropped: dropped.total })}`,
      );
      expect({ fragments: check.fragments, garbage: check.garbage }).toEqual({
        fragments: [],
        garbage: [],
      });
      expect(seqs.length + dropped.total).toBe(report.records);
      expect(check.notices.reduce((n, x) => n + x.fanin.lost, 0)).toBe(dropped.total);
    }, 60_000);
  },
);
