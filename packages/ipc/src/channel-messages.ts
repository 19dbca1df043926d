import { FrameError } from './frames.js';
import type { TextBatch } from './text-batch.js';

// Over a Node IPC channel (cluster, fork) a batch travels as a message object, which Node
// frames and serializes (JSON by default); `v` carries the wire version.

/** The message object sent over a Node IPC channel (cluster worker or forked child). */
export type ChannelMessage =
  | {
      fanin: 'ipc';
      v: 1;
      t: 'hello' | 'welcome' | 'bye';
      pid: number;
      /** In a welcome: the writer's private socket for batches, and the key its HELLO needs. */
      sock?: string;
      key?: string;
    }
  | ({ fanin: 'ipc'; v: 1; t: 'batch' } & TextBatch)
  | { fanin: 'ipc'; v: 1; t: 'ack'; seq: number; token: string };

/**
 * The ack token: ASCII that appears verbatim in the channel's bytes under both of Node's
 * serializations (JSON lines, and V8's, which stores one-byte strings as raw Latin-1), so an
 * exit hook can find acks by reading the channel's descriptor directly.
 */
export const ackToken = (seq: number) => `FNACK:${seq};`;
export const ACK_TOKEN_RE = /FNACK:(\d+);/g;

export function isChannelMessage(m: unknown): m is ChannelMessage {
  return typeof m === 'object' && m !== null && (m as { fanin?: unknown }).fanin === 'ipc';
}

/** hello, welcome or bye from this process. */
export const greeting = (t: 'hello' | 'welcome' | 'bye'): ChannelMessage => ({
  fanin: 'ipc',
  v: 1,
  t,
  pid: process.pid,
});

export const ackMessage = (seq: number): ChannelMessage => ({
  fanin: 'ipc',
  v: 1,
  t: 'ack',
  seq,
  token: ackToken(seq),
});

/**
 * An acknowledgement as a whole JSON line, as Node's 'json' channel serialization frames it: an
 * exiting writer writes it to the channel's descriptor itself (the peer's exit hook only looks
 * for the token inside it).
 */
export const ackLine = (seq: number) => Buffer.from(`${JSON.stringify(ackMessage(seq))}\n`);

/** Checks a batch received over a channel; throws {@link FrameError} on anything malformed. */
export function checkChannelBatch(m: { [k: string]: unknown }, maxBytes: number): TextBatch {
  const { seq, text, lens, levels } = m;
  if (m.v !== 1) throw new FrameError(`unsupported wire version ${String(m.v)}`);
  if (!Number.isInteger(seq) || typeof text !== 'string' || !Array.isArray(lens)) {
    throw new FrameError('batch message without seq, text or lens');
  }
  if (text.length > maxBytes) {
    throw new FrameError(`batch of ${text.length} chars is over maxFrameBytes`);
  }
  let total = 0;
  for (const n of lens) {
    if (!Number.isInteger(n) || n < 0) throw new FrameError('batch length is not a count');
    total += n;
  }
  if (total !== text.length) throw new FrameError('batch lengths do not add up to its text');
  const perRecord =
    Array.isArray(levels) &&
    levels.length === lens.length &&
    levels.every((l) => typeof l === 'string');
  if (typeof levels !== 'string' && !perRecord) {
    throw new FrameError('batch levels are neither one string nor one per record');
  }
  return { seq: seq as number, text, lens, levels: levels as string | string[] };
}
