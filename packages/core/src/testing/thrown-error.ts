// The typed-error check every package's tests make: a call must throw one FaninError subclass
// with its stable `code`. Written with node:assert so that it runs under any test runner.
import * as assert from 'node:assert/strict';
import { FaninError, FaninOptionError } from '../contract/errors.js';

/**
 * Calls `fn` and returns the error it throws, asserting that it is a `type` (a FaninError
 * subclass) with `code`. Fails (AssertionError) when `fn` returns or throws anything else.
 *
 * @example
 * const err = thrownError(() => decode(bytes), FrameError, 'ERR_FANIN_FRAME');
 * expect(err.message).toContain('length');
 */
export function thrownError<E extends FaninError>(
  fn: () => unknown,
  type: abstract new (...args: never[]) => E,
  code: string,
): E {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof type, `expected a ${type.name}, got ${String(err)}`);
    assert.ok(err instanceof FaninError, `${type.name} is not a FaninError`);
    assert.equal(err.code, code);
    return err;
  }
  assert.fail(`expected a ${type.name}, nothing was thrown`);
}

/**
 * The FaninOptionError (code `ERR_FANIN_OPTION`) that `fn` throws: what an options test checks
 * before it looks at `option` and the message.
 *
 * @example
 * expect(optionError(() => createFileWriter({ filname: 'x.log' })).option).toBe('filname');
 */
export function optionError(fn: () => unknown): FaninOptionError {
  return thrownError(fn, FaninOptionError, 'ERR_FANIN_OPTION');
}
