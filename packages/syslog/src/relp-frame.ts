import { FaninError } from '@fanin/core';

/**
 * One RELP frame: `TXNR SP COMMAND SP DATALEN [SP DATA] LF` (librelp doc/relp.md, "RELP FRAME").
 */
export interface RelpFrame {
  txnr: number;
  command: string;
  data: Buffer;
}

/** A `rsp` frame's data: `RSP-CODE [SP HUMANMSG] [LF CMDDATA]` (relp.md, "Command rsp"). */
export interface RelpResponse {
  code: number;
  message: string;
  body: string;
}

// relp.md: TXNR and DATALEN are NUMBER = 1*9DIGIT, COMMAND = 1*32ALPHA; TXNR is latched at
// 999,999,999, after which the next one is 1.
export const MAX_TXNR = 999_999_999;
const MAX_DIGITS = 9;
const MAX_COMMAND = 32;
const SP = 0x20;
const LF = 0x0a;

/** Encodes one frame; `data` may be empty (then no SP DATA, as relp.md requires). */
export function encodeFrame(txnr: number, command: string, data?: Buffer | string): Buffer {
  const body = data === undefined ? undefined : typeof data === 'string' ? Buffer.from(data) : data;
  const len = body?.length ?? 0;
  const head = Buffer.from(`${txnr} ${command} ${len}${len > 0 ? ' ' : ''}`, 'latin1');
  if (len === 0) return Buffer.concat([head, Buffer.of(LF)]);
  return Buffer.concat([head, body as Buffer, Buffer.of(LF)]);
}

/** The next transaction number after `txnr` (1 after 999,999,999). */
export function nextTxnr(txnr: number): number {
  return txnr >= MAX_TXNR ? 1 : txnr + 1;
}

/** Parses a `rsp` frame's data; throws `ERR_FANIN_FRAME` when it is not one. */
export function parseResponse(data: Buffer): RelpResponse {
  const text = data.toString('utf8');
  const m = /^(\d{3})(?: ([^\n]*))?(?:\n([\s\S]*))?$/.exec(text);
  if (!m) throw frameError(`a rsp frame without a 3-digit status: ${preview(data)}`);
  return { code: Number(m[1]), message: m[2] ?? '', body: m[3] ?? '' };
}

function frameError(why: string): FaninError {
  return new FaninError(
    'ERR_FANIN_FRAME',
    `fanin syslog: RELP framing error from the server: ${why}`,
  );
}

function preview(bytes: Buffer): string {
  return JSON.stringify(bytes.subarray(0, 40).toString('latin1'));
}

/**
 * Incremental RELP frame parser for the bytes a server sends. `push` returns the whole frames
 * the bytes complete and keeps a partial one; anything that is not a RELP frame (or a DATALEN
 * over `maxDataBytes`) throws a `FaninError` with code `ERR_FANIN_FRAME` naming what was wrong,
 * after which the parser must not be used again (relp.md "ERROR HANDLING": the peer that
 * detects the problem closes the connection).
 */
export class RelpParser {
  #pending: Buffer = Buffer.alloc(0);
  readonly #maxDataBytes: number;

  constructor(maxDataBytes = 128 * 1024) {
    this.#maxDataBytes = maxDataBytes;
  }

  push(bytes: Buffer): RelpFrame[] {
    let buf = this.#pending.length === 0 ? bytes : Buffer.concat([this.#pending, bytes]);
    const frames: RelpFrame[] = [];
    for (;;) {
      const got = this.#parseOne(buf);
      if (got === undefined) break;
      frames.push(got.frame);
      buf = buf.subarray(got.end);
    }
    this.#pending = Buffer.from(buf);
    return frames;
  }

  /** One frame at the start of `buf`, or undefined when `buf` holds only part of one. */
  #parseOne(buf: Buffer): { frame: RelpFrame; end: number } | undefined {
    const txnr = readField(buf, 0, MAX_DIGITS, isDigit, 'TXNR');
    if (txnr === undefined) return undefined;
    const command = readField(buf, txnr.end + 1, MAX_COMMAND, isAlpha, 'COMMAND');
    if (command === undefined) return undefined;
    const len = readField(buf, command.end + 1, MAX_DIGITS, isDigit, 'DATALEN', true);
    if (len === undefined) return undefined;
    const dataLen = Number(len.text);
    if (dataLen > this.#maxDataBytes) {
      throw frameError(`DATALEN ${dataLen} is over the ${this.#maxDataBytes}-byte limit`);
    }
    // DATALEN 0: the trailer follows at once; else one SP, DATALEN octets, the trailer.
    const start = dataLen === 0 ? len.end : len.end + 1;
    if (dataLen > 0 && buf[len.end] !== SP) throw frameError(`no SP before DATA: ${preview(buf)}`);
    const trailer = start + dataLen;
    if (buf.length <= trailer) return undefined;
    if (buf[trailer] !== LF) throw frameError(`frame does not end in LF: ${preview(buf)}`);
    const frame = {
      txnr: Number(txnr.text),
      command: command.text,
      data: buf.subarray(start, trailer),
    };
    return { frame, end: trailer + 1 };
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/**
 * Reads a field of 1..max chars of a class from `at`, ended by SP (or, for DATALEN, by SP or
 * LF). Undefined when the buffer ends first; throws on anything else.
 */
function readField(
  buf: Buffer,
  at: number,
  max: number,
  ok: (c: number) => boolean,
  name: string,
  lfEnds = false,
): { text: string; end: number } | undefined {
  let i = at;
  while (i < buf.length && i - at <= max) {
    const c = buf[i] as number;
    if (!ok(c)) break;
    i++;
  }
  if (i - at > max) throw frameError(`${name} longer than ${max} characters: ${preview(buf)}`);
  if (i >= buf.length) return undefined;
  const end = buf[i] as number;
  if (i === at || !(end === SP || (lfEnds && end === LF))) {
    throw frameError(`bad ${name} at byte ${at}: ${preview(buf)}`);
  }
  return { text: buf.toString('latin1', at, i), end: i };
}
