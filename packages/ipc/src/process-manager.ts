import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FaninOptionError } from '@fanin/core';

/** `sun_path` holds 108 bytes with its terminating NUL (unix(7)). */
const SUN_PATH_MAX = 107;

/** A pm2-managed process: pm2 sets these in every instance's environment. */
export interface Pm2App {
  /** pm2's name of the app (`--name`; the script's name by default). */
  name: string;
  /** `'cluster_mode'` or `'fork_mode'`. */
  execMode: string;
}

/**
 * The pm2 app this process is an instance of, else undefined. pm2 (lib/ProcessContainer.js and
 * its cluster mode) puts the app's settings in each instance's environment: `pm_id` (the
 * instance's id) and `exec_mode` always, `name` the app's name. Under pm2 the cluster primary
 * of cluster mode, and the parent of fork mode, is pm2's daemon, which runs no fanin writer.
 */
export function pm2App(env: NodeJS.ProcessEnv = process.env): Pm2App | undefined {
  const { pm_id: id, exec_mode: execMode } = env;
  if (id === undefined || execMode === undefined) return undefined;
  return { name: env.name ?? env.pm_exec_path ?? 'app', execMode };
}

/** The directory of this user's pm2 sockets. */
const socketDir = () => path.join(os.tmpdir(), `fanin-pm2-${process.getuid?.() ?? 0}`);

/**
 * The socket every instance of one pm2 app elects its writer on, for one log file: under a
 * directory of this user in `os.tmpdir()` (mode 0700; refused when someone else owns it or it
 * is open to others), named after a hash of the app's name and the file, so two apps (or two
 * files) never share a writer. Undefined when no safe path can be had (the directory is
 * someone else's, or the path is over the 107 bytes of a socket address).
 */
export function pm2SocketPath(app: Pm2App, file: string): string | undefined {
  const uid = process.getuid?.() ?? 0;
  const dir = socketDir();
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
  }
  // lstat: a symlink planted by another user must not redirect the socket.
  const st = fs.lstatSync(dir);
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) return undefined;
  const key = createHash('sha256')
    .update(`${app.name}\0${path.resolve(file)}`)
    .digest('hex');
  const socket = path.join(dir, `${key.slice(0, 20)}.sock`);
  return Buffer.byteLength(socket) <= SUN_PATH_MAX ? socket : undefined;
}

/** Where a pm2 instance's records go instead of pm2's daemon, and the warning to report. */
export interface Pm2Route {
  /** The socket the app's instances elect their writer on; undefined: write directly. */
  socket: string | undefined;
  /** Undefined when there is nothing to warn of (`via: 'pm2'` with its socket). */
  warning: string | undefined;
}

/**
 * The route of a pm2 instance: for `via: 'pm2'`, and for `via: 'cluster'` or `'parent'` found
 * under pm2 (pm2's daemon would never answer, and records would wait `connectTimeoutMs` for
 * it), the socket the app's instances elect their writer on. Undefined when not under pm2 (for
 * `'cluster'` and `'parent'`) or `via` is a socket. Throws a FaninOptionError naming `via` for
 * `'pm2'` in a process pm2 did not start.
 */
export function pm2Route(via: unknown, file: string, where: string): Pm2Route | undefined {
  if (via !== 'cluster' && via !== 'parent' && via !== 'pm2') return undefined;
  const app = pm2App();
  if (!app && via === 'pm2') {
    throw new FaninOptionError(
      'via',
      `${where}: option via: 'pm2' needs a process started by pm2 (pm_id and exec_mode in its environment), and this one was not; outside pm2 use via: 'cluster', 'parent' or { socket: '<path>' }`,
    );
  }
  if (!app) return undefined;
  const socket = pm2SocketPath(app, file);
  const under = `under pm2 (${app.execMode}, app "${app.name}")`;
  if (via === 'pm2') {
    const warning = socket
      ? undefined
      : `${under} no private socket could be made for via: 'pm2' (${socketDir()} is not this user's alone, or the path is too long): each instance writes directly`;
    return { socket, warning };
  }
  const who = via === 'cluster' ? 'cluster primary' : 'parent';
  const fix = `give every instance via: 'pm2' (or via: { socket: '<path>' } to choose the socket)`;
  const route = socket
    ? `its instances elect their writer on ${socket}`
    : 'no private socket could be made, so each instance writes directly';
  return {
    socket,
    warning: `${under} the ${who} is pm2's daemon, which runs no fanin writer: ${route}; ${fix}`,
  };
}
