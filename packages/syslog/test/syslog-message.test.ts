import { describe, expect, it } from 'vitest';
import { SyslogMessage } from '../src/syslog-message.js';

const HEADER = /^<(\d+)>1 (\S+) (\S+) (\S+) (\d+) (\S+) \[fanin@32473 w="(\S+)" s="(\d+)"\] /;

describe('RFC 5424 messages', () => {
  it('maps winston and log4js levels onto severities, with the facility', () => {
    const m = new SyslogMessage({ appName: 'api', hostname: 'h1', facility: 'local0' }, 'w1');
    const pri = (level: string | undefined) => Number(HEADER.exec(m.format('x\n', level, 1))?.[1]);
    expect(pri('error')).toBe(16 * 8 + 3);
    expect(pri('warn')).toBe(16 * 8 + 4);
    expect(pri('WARN')).toBe(16 * 8 + 4);
    expect(pri('info')).toBe(16 * 8 + 6);
    expect(pri('FATAL')).toBe(16 * 8 + 2);
    expect(pri('silly')).toBe(16 * 8 + 7);
    expect(pri('emerg')).toBe(16 * 8 + 0);
    expect(pri(undefined)).toBe(16 * 8 + 5);
    const custom = new SyslogMessage({ severities: { audit: 1 } }, 'w1');
    expect(custom.format('x', 'audit', 1)).toMatch(/^<9>1 /);
  });

  it('writes the header fields, the writer id and sequence number, and keeps line breaks inside', () => {
    const m = new SyslogMessage({ appName: 'api', hostname: 'h1', msgId: 'req' }, 'w"1');
    const text = m.format('line one\nline two\n', 'info', 42);
    const h = HEADER.exec(text.replace('w\\"1', 'w1'));
    expect(h?.slice(3, 7)).toEqual(['h1', 'api', String(process.pid), 'req']);
    expect(h?.[8]).toBe('42');
    expect(Number.isNaN(Date.parse(h?.[2] as string))).toBe(false);
    expect(text).toContain('w="w\\"1"');
    expect(text.endsWith('] line one\nline two')).toBe(true);
  });

  it('refuses header fields RFC 5424 does not allow', () => {
    expect(() => new SyslogMessage({ appName: 'my app' }, 'w')).toThrow(/appName/);
    expect(() => new SyslogMessage({ appName: 'a'.repeat(49) }, 'w')).toThrow(/appName/);
    expect(() => new SyslogMessage({ facility: 'local9' }, 'w')).toThrow(/facility/);
    expect(() => new SyslogMessage({ severities: { x: 8 } }, 'w')).toThrow(/severity/);
  });
});
