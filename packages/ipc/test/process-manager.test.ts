import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pm2App, pm2SocketPath } from '../src/process-manager.js';

describe('pm2 detection', () => {
  it('needs both pm_id and exec_mode (pm2 sets both in every instance)', () => {
    expect(pm2App({ pm_id: '3', exec_mode: 'cluster_mode', name: 'api' })).toEqual({
      name: 'api',
      execMode: 'cluster_mode',
    });
    expect(pm2App({ pm_id: '3' })).toBeUndefined();
    expect(pm2App({ exec_mode: 'fork_mode' })).toBeUndefined();
  });

  it('one socket per app and file, in an owner-only directory, short enough to bind', () => {
    const api = { name: 'api', execMode: 'cluster_mode' };
    const a = pm2SocketPath(api, 'logs/app.log') as string;
    expect(a).toBe(pm2SocketPath(api, path.resolve('logs/app.log')));
    expect(a).not.toBe(pm2SocketPath({ ...api, name: 'worker' }, 'logs/app.log'));
    expect(a).not.toBe(pm2SocketPath(api, 'logs/other.log'));
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(107);
    const st = fs.lstatSync(path.dirname(a));
    expect(st.isDirectory() && st.uid === os.userInfo().uid).toBe(true);
    expect(st.mode & 0o777).toBe(0o700);
  });
});
