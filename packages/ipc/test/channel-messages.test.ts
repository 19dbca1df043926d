import { thrownError } from '@fanin/core/testing';
import { describe, expect, it } from 'vitest';
import { ackLine, ackToken, checkChannelBatch } from '../src/channel-messages.js';
import { FrameError } from '../src/frames.js';
import { fromTextBatch } from '../src/text-batch.js';

/** The FrameError that `fn` throws (fails the test when it throws nothing or something else). */
const frameError = (fn: () => unknown) => thrownError(fn, FrameError, 'ERR_FANIN_FRAME');

describe('channel messages: checkChannelBatch', () => {
  const good = {
    fanin: 'ipc',
    v: 1,
    t: 'batch',
    seq: 3,
    text: 'a\né\n',
    lens: [2, 2],
    levels: ['', 'x'],
  };

  it('returns the batch of a valid message, and its records one by one', () => {
    const tb = checkChannelBatch(good, 100);
    expect(tb).toEqual({ seq: 3, text: 'a\né\n', lens: [2, 2], levels: ['', 'x'] });
    expect(fromTextBatch(tb)).toEqual({ seq: 3, records: ['a\n', 'é\n'], levels: ['', 'x'] });
  });

  it('takes one level for every record', () => {
    const tb = checkChannelBatch({ ...good, levels: 'info' }, 100);
    expect(fromTextBatch(tb).levels).toEqual(['info', 'info']);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['another version', { ...good, v: 2 }, /version 2/],
    ['no version', { ...good, v: undefined }, /version/],
    ['no seq', { ...good, seq: undefined }, /without seq/],
    ['a fractional seq', { ...good, seq: 1.5 }, /without seq/],
    ['text not a string', { ...good, text: ['a\n'] }, /without seq, text or lens/],
    ['lens not an array', { ...good, lens: 4 }, /without seq, text or lens/],
    ['a length that is not a count', { ...good, lens: [2, -2, 4] }, /not a count/],
    ['lengths that do not add up', { ...good, lens: [2, 1] }, /do not add up/],
    ['levels of another count', { ...good, levels: [''] }, /neither one string nor one per/],
    ['a level that is not a string', { ...good, levels: ['', null] }, /neither one string/],
  ];
  for (const [what, message, why] of bad) {
    it(`refuses ${what}`, () => {
      const err = frameError(() => checkChannelBatch(message, 100));
      expect(err.message).toMatch(why);
    });
  }

  it('refuses a batch over maxBytes', () => {
    const ok = { ...good, text: 'x'.repeat(100), lens: [60, 40] };
    expect(checkChannelBatch(ok, 100)).toEqual(expect.objectContaining({ seq: 3 }));
    const big = { ...good, text: 'x'.repeat(101), lens: [60, 41] };
    expect(frameError(() => checkChannelBatch(big, 100)).message).toMatch(/over maxFrameBytes/);
  });
});

describe('channel messages: the acknowledgement token', () => {
  it('appears verbatim in the JSON line an exiting writer writes to the channel', () => {
    const line = ackLine(42).toString('latin1');
    expect(line.endsWith('\n')).toBe(true);
    expect(line).toContain(ackToken(42));
    expect(JSON.parse(line)).toMatchObject({ fanin: 'ipc', v: 1, t: 'ack', seq: 42 });
  });
});
