import { describe, expect, it } from 'vitest';
import { landedLines } from '../src/write/batch-output.js';

const b = (s: string) => Buffer.from(s);

describe('landedLines: which records a partial write landed', () => {
  it('counts the lines wholly inside the bytes written, across parts', () => {
    const parts = [b('a\nbb\n'), b('ccc\nd\n')];
    expect(landedLines(parts, 0)).toEqual({ lines: 0, bytes: 0 });
    expect(landedLines(parts, 1)).toEqual({ lines: 0, bytes: 0 });
    expect(landedLines(parts, 2)).toEqual({ lines: 1, bytes: 2 });
    expect(landedLines(parts, 7)).toEqual({ lines: 2, bytes: 5 });
    expect(landedLines(parts, 9)).toEqual({ lines: 3, bytes: 9 });
    expect(landedLines(parts, 11)).toEqual({ lines: 4, bytes: 11 });
  });
});
