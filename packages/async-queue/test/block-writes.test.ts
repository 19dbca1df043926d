import { FileTarget } from '@fanin/core/internal';
import { FaultDriver, MemoryDriver } from '@fanin/core/testing';
import { describe, expect, it } from 'vitest';
import { BlockWrites } from '../src/block-writes.js';

const FILE = '/logs/app.log';

/** A file target on an in-memory file system with injected write faults. */
function target() {
  const mem = new MemoryDriver();
  const driver = new FaultDriver(mem);
  const sink = new FileTarget({ filename: FILE, driver });
  return { mem, driver, sink, blocks: new BlockWrites(sink) };
}

describe('BlockWrites: a ring batch that fails part-way', () => {
  it('retries from the first record not wholly written; the torn fragment ends with a newline', () => {
    const { mem, driver, sink, blocks } = target();
    const parts = [Buffer.from('r0aa\nr1bb\n'), Buffer.from('r2cc\n')];
    // write(2) wrote 7 bytes (r0 whole, 2 bytes of r1), then the disk was full.
    driver.shortWrite(7).failWrites('ENOSPC');
    expect(blocks.attempt(parts, 3, false)).toEqual({ done: false, code: 'ENOSPC', waitMs: 0 });
    expect(blocks.resume).toBe(5);
    expect(blocks).toMatchObject({ bytes: 7, records: 0, writeErrors: 1 });
    // The next attempt writes r1 and r2 only, after the newline that ends the fragment.
    expect(blocks.attempt(parts, 3, false)).toEqual({ done: true });
    expect(mem.read(FILE)).toBe('r0aa\nr1\nr1bb\nr2cc\n');
    expect(blocks).toMatchObject({ resume: 0, records: 3, writeErrors: 1 });
    sink.close();
  });

  it('a failure before any byte keeps the whole batch for the retry', () => {
    const { mem, driver, sink, blocks } = target();
    const parts = [Buffer.from('r0aa\nr1bb\n')];
    driver.failWrites('EIO');
    expect(blocks.attempt(parts, 2, false)).toMatchObject({ done: false, code: 'EIO' });
    expect(blocks.resume).toBe(0);
    expect(blocks.attempt(parts, 2, false)).toEqual({ done: true });
    expect(mem.read(FILE)).toBe('r0aa\nr1bb\n');
    sink.close();
  });
});
