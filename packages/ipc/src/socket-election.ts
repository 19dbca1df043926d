import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { errnoCode, nodeFileDriver, RotationLock } from '@fanin/core/internal';

/** The outcome of an election: this process serves the socket, or is connected to who does. */
export type Elected =
  | { role: 'writer'; server: net.Server }
  | { role: 'forwarder'; socket: net.Socket };

const STALE_LOCK_MS = 10_000;

/** A connect that failed for a moment: a writer shutting down, or a full backlog. */
const RETRY = 'retry' as const;

function connect(socketPath: string): Promise<net.Socket | undefined | typeof RETRY> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err) => {
      const code = errnoCode(err);
      // Nobody listens there (a socket file left by a dead writer), or there is no file yet.
      if (code === 'ECONNREFUSED' || code === 'ENOENT') resolve(undefined);
      // A listener being torn down resets; a full backlog says EAGAIN (unix(7)): try again.
      else if (code === 'ECONNRESET' || code === 'EAGAIN') resolve(RETRY);
      else reject(err);
    });
  });
}

function listen(socketPath: string): Promise<net.Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err) => {
      if (errnoCode(err) === 'EADDRINUSE') resolve(undefined);
      else reject(err);
    });
    // Owner-only from the first instant: bind(2) creates the socket file under the umask, and
    // connecting needs write permission on it (unix(7)). exclusive: a cluster worker binds it
    // itself instead of asking the primary for a shared handle.
    const umask = process.umask(0o177);
    try {
      server.listen({ path: socketPath, exclusive: true }, () => {
        server.removeAllListeners('error');
        fs.chmodSync(socketPath, 0o600);
        resolve(server);
      });
    } finally {
      process.umask(umask);
    }
  });
}

// Not unref'd: records may be waiting for this election (it is bounded by timeoutMs).
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Becomes the writer of `socketPath` or connects to the one that is. A live writer is never
 * displaced: the socket file is unlinked only when a connect is refused, and only under an
 * O_EXCL lock file (`<socket>.fanin-lock`, holder's pid and host, taken over when its holder is
 * dead), inside which this process checks again, unlinks, and binds — so two processes cannot
 * both replace a stale socket. Gives up after `timeoutMs`.
 */
export async function elect(socketPath: string, timeoutMs: number): Promise<Elected> {
  fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
  const lock = new RotationLock(socketPath, nodeFileDriver, { staleMs: STALE_LOCK_MS, waitMs: 0 });
  const deadline = Date.now() + timeoutMs;
  for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
    const socket = await connect(socketPath);
    if (socket && socket !== RETRY) return { role: 'forwarder', socket };
    if (socket !== RETRY && lock.acquire()) {
      try {
        const again = await connect(socketPath);
        if (again && again !== RETRY) return { role: 'forwarder', socket: again };
        if (again === undefined) {
          try {
            fs.unlinkSync(socketPath);
          } catch (err) {
            if (errnoCode(err) !== 'ENOENT') throw err;
          }
          const server = await listen(socketPath);
          if (server) return { role: 'writer', server };
        }
      } finally {
        lock.release();
      }
    }
    if (Date.now() >= deadline) {
      throw new Error(`no writer on ${socketPath} and none could be started in ${timeoutMs} ms`);
    }
    await pause(wait);
  }
}
