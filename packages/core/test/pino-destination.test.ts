import { describe, expect, it } from 'vitest';
import { createFileWriter, createPinoDestination, pinoTarget } from '../src/index.js';
import { MemoryDriver } from '../src/testing/index.js';

function destination(sync = false) {
  const driver = new MemoryDriver();
  const writer = createFileWriter({ filename: '/logs/app.log', driver, exitHook: false });
  return { driver, dest: createPinoDestination(writer, { sync }) };
}

const once = (dest: NodeJS.EventEmitter, event: string) =>
  new Promise<void>((resolve) => dest.once(event, () => resolve()));

// sonic-boom's contract as pino and thread-stream use it (#18).
describe('createPinoDestination', () => {
  it("says 'ready', and pino takes it as a stream (writable)", async () => {
    const { dest } = destination();
    expect(dest.writable).toBe(true);
    await once(dest, 'ready');
  });

  it('writes whole lines only: a chunk may hold several records or part of one', async () => {
    const { driver, dest } = destination();
    expect(dest.write('{"a":1}\n{"b":')).toBe(true);
    await new Promise<void>((resolve) => dest.flush(() => resolve()));
    expect(driver.read('/logs/app.log')).toBe('{"a":1}\n');
    dest.write('2}\n');
    dest.flushSync();
    expect(driver.read('/logs/app.log')).toBe('{"a":1}\n{"b":2}\n');
    expect(dest.writer.stats().records).toBe(2);
  });

  it("with sync, each chunk's whole lines are written before write() returns", () => {
    const { driver, dest } = destination(true);
    dest.write('one\ntwo\nthr');
    expect(driver.read('/logs/app.log')).toBe('one\ntwo\n');
  });

  it("end(): a partial last line gets its newline, then 'finish' and 'close'; later writes are counted", async () => {
    const { driver, dest } = destination();
    dest.write('whole\npart');
    const closed = once(dest, 'close');
    const finished = once(dest, 'finish');
    dest.end();
    expect(dest.writable).toBe(false);
    await Promise.all([finished, closed]);
    expect(driver.read('/logs/app.log')).toBe('whole\npart\n');
    dest.write('late\n');
    expect(dest.writer.stats().dropped.byReason.closed).toBe(1);
  });

  it('reopen() reopens the same path; reopen(file) is refused with the reason', () => {
    const { dest } = destination();
    expect(() => dest.reopen()).not.toThrow();
    expect(() => dest.reopen('/logs/other.log')).toThrow(/one path for every process/);
  });

  it('pinoTarget drops what pino and thread-stream add to the options', async () => {
    const driver = new MemoryDriver();
    const target = pinoTarget((o: { filename: string }) =>
      createFileWriter({ ...o, driver, exitHook: false }),
    );
    const dest = await target({
      filename: '/logs/t.log',
      $context: { threadStreamVersion: '4' },
      pinoWillSendConfig: true,
    });
    dest.write('x\n');
    dest.flushSync();
    expect(driver.read('/logs/t.log')).toBe('x\n');
  });
});
