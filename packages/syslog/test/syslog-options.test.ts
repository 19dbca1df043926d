import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../src/syslog-options.js';
import { createSyslogWriter } from '../src/syslog-writer.js';
import { SyslogTransport } from '../src/winston.js';

const where = 'createSyslogWriter';

describe('syslog writer options', () => {
  it('reads relp, relps, tcp and tls targets', () => {
    expect(resolveOptions(where, { target: 'relp://127.0.0.1:2514' }).endpoint).toMatchObject({
      protocol: 'relp',
      host: '127.0.0.1',
      port: 2514,
    });
    expect(
      resolveOptions(where, { target: 'relps://logs.example.com:2514' }).endpoint,
    ).toMatchObject({
      protocol: 'relp',
      tls: { servername: 'logs.example.com' },
    });
    expect(resolveOptions(where, { target: 'tcp://[::1]:514' }).endpoint).toMatchObject({
      protocol: 'octet',
      host: '::1',
    });
    expect(resolveOptions(where, { target: 'tls://127.0.0.1:6514' }).endpoint.tls).toEqual({});
  });

  it('refuses what it cannot honour, naming the option and why', () => {
    const bad = (o: Record<string, unknown>) => () => resolveOptions(where, o as never);
    expect(bad({})).toThrow(/"target" is required/);
    expect(bad({ target: 'udp://h:514' })).toThrow(/relp:\/\//);
    expect(bad({ target: 'relp://host' })).toThrow(/host and a port/);
    // whenFull: core's rule; a policy per level goes in whenFullByLevel.
    expect(bad({ target: 'relp://h:1', whenFull: { error: 'block' } })).toThrow(
      /option "whenFull".*whenFullByLevel/,
    );
    expect(bad({ target: 'relp://h:1', whenFull: { blockMs: -1 } })).toThrow(/"whenFull"/);
    expect(bad({ target: 'relp://h:1', whenFullByLevel: { error: 'wait' } })).toThrow(
      /option "whenFullByLevel"/,
    );
    expect(bad({ target: 'relp://h:1', whenFul: 'block' })).toThrow(/did you mean "whenFull"/);
    // The shipper thread that 'block' needs gets the TLS options by structured clone.
    const tls = { checkServerIdentity: () => undefined };
    expect(bad({ target: 'relps://h:1', whenFull: 'block', tls })).toThrow(
      /"tls.checkServerIdentity" is a function/,
    );
    expect(bad({ target: 'relps://h:1', tls })).not.toThrow();
    expect(bad({ target: 'relp://h:1', windowSize: 2048 })).toThrow(/windowSize/);
    expect(bad({ target: 'relp://h:1', tagret: 'x' })).toThrow(/unknown option "tagret"/);
    // Under a regular file: ENOTDIR.
    const spoolDir = path.join(fileURLToPath(import.meta.url), 'spool');
    expect(() => createSyslogWriter({ target: 'relp://h:1', spoolDir })).toThrow(
      expect.objectContaining({
        code: 'ERR_FANIN_OPEN',
        message: expect.stringContaining(spoolDir),
      }),
    );
    expect(() => new SyslogTransport({ target: 'relp://h:1', filename: 'x.log' } as never)).toThrow(
      /unknown option "filename"/,
    );
  });

  it('whenFull by level: whenFullByLevel (case-insensitive) over whenFull; any block needs the thread', () => {
    const o = resolveOptions(where, {
      target: 'relp://h:1',
      whenFull: { blockMs: 300 },
      whenFullByLevel: { DEBUG: 'drop', error: 'block' },
    });
    expect([
      o.whenFull('debug'),
      o.whenFull('Error'),
      o.whenFull('info'),
      o.whenFull(undefined),
    ]).toEqual(['drop', 'block', { blockMs: 300 }, { blockMs: 300 }]);
    expect(o.blocks).toBe(true);
    expect(resolveOptions(where, { target: 'relp://h:1' })).toMatchObject({ blocks: false });
    const byLevel = { whenFullByLevel: { debug: 'drop' as const } };
    expect(resolveOptions(where, { target: 'relp://h:1', ...byLevel }).blocks).toBe(false);
  });

  it('defaults: window 128, back-off 100 ms to 30 s, 64 MiB spool in 1 MiB segments', () => {
    expect(resolveOptions(where, { target: 'relp://h:1', appName: 'api' })).toMatchObject({
      windowSize: 128,
      reconnectMinMs: 100,
      reconnectMaxMs: 30_000,
      maxSpoolBytes: 64 * 1024 * 1024,
      segmentBytes: 1024 * 1024,
      spoolRoot: expect.stringMatching(/fanin-syslog[\\/]api@h_1$/),
    });
  });
});
