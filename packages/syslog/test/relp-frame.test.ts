import { describe, expect, it } from 'vitest';
import { encodeOctetFrames } from '../src/octet-session.js';
import {
  encodeFrame,
  encodeSyslogFrames,
  isOk,
  nextTxnr,
  parseResponse,
  RelpParser,
} from '../src/relp-frame.js';

const server =
  '1 rsp 93 200 OK\nrelp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog\n2 rsp 6 200 OK\n3 rsp 0\n0 serverclose 0\n';

describe('RELP frames', () => {
  it('encodes TXNR SP COMMAND SP DATALEN [SP DATA] LF, counting bytes not characters', () => {
    expect(encodeFrame(7, 'syslog', 'héllo').toString()).toBe('7 syslog 6 héllo\n');
    expect(encodeFrame(3, 'close', '').toString()).toBe('3 close 0\n');
    expect(nextTxnr(999_999_999)).toBe(1);
  });

  it('encodes a window of syslog frames in one buffer, as encodeFrame does one by one', () => {
    const messages = ['héllo', '', 'x'.repeat(300)].map((m) => Buffer.from(m));
    const { bytes, next } = encodeSyslogFrames(999_999_998, messages);
    const one = [999_999_998, 999_999_999, 1].map((t, i) => encodeFrame(t, 'syslog', messages[i]));
    expect(bytes.toString()).toBe(Buffer.concat(one).toString());
    expect(next).toBe(2);
    expect(encodeOctetFrames(messages).toString()).toBe(`6 héllo0 300 ${'x'.repeat(300)}`);
  });

  it('tells a plain 200 from the bytes of a rsp', () => {
    for (const ok of ['200', '200 OK', '200 OK\nrelp_version=0'])
      expect(isOk(Buffer.from(ok))).toBe(true);
    for (const no of ['', '20', '2000', '500 no', '200x'])
      expect(isOk(Buffer.from(no))).toBe(false);
  });

  it('parses what rsyslog 8.2302 sends, whole or split at every byte', () => {
    const whole = new RelpParser().push(Buffer.from(server));
    expect(whole.map((f) => [f.txnr, f.command, f.data.length])).toEqual([
      [1, 'rsp', 93],
      [2, 'rsp', 6],
      [3, 'rsp', 0],
      [0, 'serverclose', 0],
    ]);
    const parser = new RelpParser();
    const bytes = Buffer.from(server);
    const split = [];
    for (let i = 0; i < bytes.length; i++) split.push(...parser.push(bytes.subarray(i, i + 1)));
    expect(split.map((f) => [f.txnr, f.command, f.data.toString()])).toEqual(
      whole.map((f) => [f.txnr, f.command, f.data.toString()]),
    );
    expect(parseResponse(whole[0]?.data as Buffer)).toMatchObject({ code: 200, message: 'OK' });
  });

  for (const [name, garbage] of [
    ['HTTP', 'HTTP/1.1 400 Bad Request\r\n\r\n'],
    ['letters for a TXNR', 'abc rsp 6 200 OK\n'],
    ['a 10-digit TXNR', '1234567890 rsp 6 200 OK\n'],
    ['a digit in the command', '1 rs9 6 200 OK\n'],
    ['a 33-letter command', `1 ${'r'.repeat(33)} 6 200 OK\n`],
    ['no trailer', '1 rsp 6 200 OKX'],
    ['a DATALEN over the limit', '1 rsp 999999999 '],
    ['binary', '\u0000\u0001\u0002\u0003 '],
  ] as const) {
    it(`refuses ${name} with ERR_FANIN_FRAME`, () => {
      expect(() => new RelpParser().push(Buffer.from(garbage))).toThrow(
        expect.objectContaining({ code: 'ERR_FANIN_FRAME' }),
      );
    });
  }

  it('refuses a rsp without a status', () => {
    expect(() => parseResponse(Buffer.from('OK'))).toThrow(
      expect.objectContaining({ code: 'ERR_FANIN_FRAME' }),
    );
  });
});
