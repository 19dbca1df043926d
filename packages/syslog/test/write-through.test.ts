import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createSyslogWriter } from '../src/syslog-writer.js';

// The bytes of every spool segment under `dir`.
function spooled(dir: string): string {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.seg'))
    .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), 'utf8'))
    .join('');
}

describe('syslog writer after the signal flush (writeThrough)', () => {
  it('a record reaches the spool on disk before write() returns, where it waited for the turn before', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanin-syslog-through-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    // Nothing listens on port 9 here: the records stay spooled.
    const w = createSyslogWriter({ target: 'relp://127.0.0.1:9', spoolDir: dir, exitHook: false });
    onTestFinished(() => w.close({ timeoutMs: 0 }).then(() => undefined));
    w.write('{"n":"before"}\n', 'info');
    expect(spooled(dir)).not.toContain('"n":"before"');
    w.writeThrough();
    w.write('{"n":"after"}\n', 'info');
    expect(spooled(dir)).toContain('"n":"before"');
    expect(spooled(dir)).toContain('"n":"after"');
    expect(w.stats().dropped.total).toBe(0);
  });
});
