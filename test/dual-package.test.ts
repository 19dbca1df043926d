import { createRequire } from 'node:module';
import * as esmCore from '@fanin/core';
import * as esmInternal from '@fanin/core/internal';
import { optionError, thrownError } from '@fanin/core/testing';
import { describe, expect, it } from 'vitest';

// log4js `require`s an appender while the app `import`s @fanin/core: one program, two builds of
// each class. An error thrown by one build must be `instanceof` the other's class (#18).
const require = createRequire(import.meta.url);
const cjsCore = require('@fanin/core') as typeof esmCore;
const cjsInternal = require('@fanin/core/internal') as typeof esmInternal;
const cjsAppend = require('@fanin/append-file') as typeof import('@fanin/append-file');

describe('fanin errors across the CommonJS and the ESM build', () => {
  it('two builds are loaded: the classes differ', () => {
    expect(cjsCore.FaninError).not.toBe(esmCore.FaninError);
  });

  it('an option error thrown by the CommonJS build is instanceof the ESM classes, and back', () => {
    // optionError asserts it is the ESM build's FaninOptionError (@fanin/core/testing shares
    // that build's classes).
    const fromCjs = optionError(() =>
      cjsAppend.createAppendFileWriter({ filname: 'x.log' } as never),
    );
    expect(fromCjs).toBeInstanceOf(esmCore.FaninOptionError);
    expect(fromCjs).toBeInstanceOf(esmCore.FaninError);
    expect(fromCjs).toBeInstanceOf(Error);
    expect(fromCjs).not.toBeInstanceOf(esmCore.FaninWriteError);
    const fromEsm = new esmCore.FaninWriteError('ERR_FANIN_WRITE', 'ENOSPC', 3, 'disk full');
    expect(fromEsm).toBeInstanceOf(cjsCore.FaninWriteError);
    expect(fromEsm).toBeInstanceOf(cjsCore.FaninError);
    expect(fromEsm).not.toBeInstanceOf(cjsCore.FaninOptionError);
  });

  it("a user's subclass keeps ordinary instanceof", () => {
    class AppError extends esmCore.FaninError {}
    const mine = new AppError('ERR_FANIN_OPEN', 'mine');
    expect(mine).toBeInstanceOf(esmCore.FaninError);
    expect(mine).toBeInstanceOf(cjsCore.FaninError);
    expect(new esmCore.FaninError('ERR_FANIN_OPEN', 'not mine')).not.toBeInstanceOf(AppError);
    expect({ code: 'ERR_FANIN_OPEN' }).not.toBeInstanceOf(esmCore.FaninError);
    expect(null).not.toBeInstanceOf(esmCore.FaninError);
  });
});

describe('the entries of one build share one copy of each class', () => {
  // tsup splits both formats (packages/core/tsup.config.ts): `@fanin/core/internal` throws the
  // very FaninOptionError of `@fanin/core`, not a class of the same name (#18).
  for (const [format, core, internal] of [
    ['ESM', esmCore, esmInternal],
    ['CommonJS', cjsCore, cjsInternal],
  ] as const) {
    it(`${format}: an error thrown by @fanin/core/internal has the root entry's class`, () => {
      const thrown = thrownError(
        () => internal.parseSize('maxBytes', 'ten megs'),
        core.FaninOptionError,
        'ERR_FANIN_OPTION',
      );
      expect(Object.getPrototypeOf(thrown)).toBe(core.FaninOptionError.prototype);
      expect(thrown.option).toBe('maxBytes');
    });
  }
});
