import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { FaninError } from '@fanin/core';
import { processAlive } from '@fanin/core/internal';

/** A private socket's directory: the prefix, the writer's pid, a dash, mkdtemp's suffix. */
const SIDE_PREFIX = 'fanin-ipc-';
const SIDE_DIR_RE = /^fanin-ipc-(\d+)-[A-Za-z0-9]+$/;

/** A listening private socket, the key its peers' HELLO must carry, and how to remove it. */
export interface PrivateSocket {
  server: net.Server;
  sock: string;
  key: string;
  /** Removes the directory (at close; an exit handler does it at exit). */
  remove(): void;
}

/**
 * The private socket a writer offers its channel peers (cluster workers, fork children) for
 * their batches: Node's channel serializes every message (JSON by default), a cost per
 * character the binary frames do not have. A directory only this user can enter, a socket only
 * this user can open, and a random key each peer's HELLO must carry. Where it cannot be made,
 * `report` is told and undefined returned: peers keep sending over their channel.
 */
export function openPrivateSocket(report: (err: FaninError) => void): PrivateSocket | undefined {
  let dir: string | undefined;
  try {
    removeStaleSides(os.tmpdir());
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `${SIDE_PREFIX}${process.pid}-`));
    const sock = path.join(dir, 's');
    if (Buffer.byteLength(sock) > 100) throw new Error(`${sock} is too long for a socket`);
    const key = randomBytes(16).toString('hex');
    const server = net.createServer();
    // bind(2) and listen(2) happen within listen() for a path (errors come later, as an
    // event): peers may connect as soon as it returns. exclusive: a cluster worker that
    // forks children binds its own socket instead of asking the primary for one.
    // Owner-only from the first instant (as the election's socket; unix(7): connecting needs
    // write permission on the file), inside a directory only the owner can enter anyway.
    const umask = process.umask(0o177);
    try {
      server.listen({ path: sock, exclusive: true });
    } finally {
      process.umask(umask);
    }
    server.unref();
    const where = dir;
    const rm = () => fs.rmSync(where, { recursive: true, force: true });
    process.once('exit', rm);
    server.on('error', (err) => {
      report(new FaninError('ERR_FANIN_OPEN', `fanin ipc: private socket ${sock}: ${err.message}`));
    });
    const remove = () => {
      process.off('exit', rm);
      rm();
    };
    return { server, sock, key, remove };
  } catch (err) {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    report(
      new FaninError(
        'ERR_FANIN_OPEN',
        `fanin ipc: no private socket for channel peers (${(err as Error).message}); they send over their channel`,
        { cause: err },
      ),
    );
    return undefined;
  }
}

/**
 * Removes the private-socket directories of writers that are gone without their exit handler
 * (SIGKILL, or SIGTERM/SIGINT with no handler): those of this user whose pid is no process any
 * more. Best effort: a directory that cannot be read or removed is left.
 */
export function removeStaleSides(tmp: string): number {
  let removed = 0;
  let names: string[];
  try {
    names = fs.readdirSync(tmp);
  } catch {
    return 0;
  }
  const uid = process.getuid?.();
  for (const name of names) {
    const pid = Number(SIDE_DIR_RE.exec(name)?.[1]);
    if (!pid || pid === process.pid || processAlive(pid)) continue;
    const dir = path.join(tmp, name);
    try {
      if (uid !== undefined && fs.lstatSync(dir).uid !== uid) continue;
      fs.rmSync(dir, { recursive: true, force: true });
      removed++;
    } catch {
      // Someone else's, or gone already.
    }
  }
  return removed;
}
