import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { claimOrphans } from '../src/spool-adoption.js';
import { ownerGone, ownerLine } from '../src/spool-owner.js';

function spoolWithOwner(root: string, name: string, line: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'owner'), line);
  return dir;
}

// A pid recorded with the start time of the process that had it: the same pid in another
// process (a container's next run: pid 1 again) is told apart, on Linux (/proc).
describe.runIf(fs.existsSync('/proc/self/stat'))('spool owner: pid and start time', () => {
  it("records this process's pid with its start ticks and boot id", () => {
    expect(ownerLine()).toMatch(new RegExp(`^${process.pid} \\d+@[0-9a-f-]{36}\\n$`));
  });

  it('a spool of this pid: ours when the start time is ours, an orphan when another', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-owner-'));
    onTestFinished(() => fs.rmSync(root, { recursive: true, force: true }));
    const [, identity] = ownerLine().trim().split(' ');
    const [ticks, boot] = (identity as string).split('@');
    const earlier = `${process.pid} ${Number(ticks) - 1}@${boot}\n`;
    const otherBoot = `${process.pid} ${ticks}@00000000-0000-0000-0000-000000000000\n`;
    const mine = spoolWithOwner(root, 'mine', ownerLine());
    const legacy = spoolWithOwner(root, 'legacy', `${process.pid}\n`);
    expect(ownerGone(mine)).toBe(false);
    // An older version's owner file: by pid only, this process's pid is taken as a live writer.
    expect(ownerGone(legacy)).toBe(false);
    expect(ownerGone(spoolWithOwner(root, 'earlier', earlier))).toBe(true);
    expect(ownerGone(spoolWithOwner(root, 'reboot', otherBoot))).toBe(true);
    // The parent (vitest) is alive: its pid with another start time is a reused pid.
    const parent = `${process.ppid} 1@${boot}\n`;
    expect(ownerGone(spoolWithOwner(root, 'reused', parent))).toBe(true);
    const claimed = claimOrphans(root).map((d) => path.basename(d).replace(/\.adopted-.*/, ''));
    expect(claimed.sort()).toEqual(['earlier', 'reboot', 'reused']);
  });
});
