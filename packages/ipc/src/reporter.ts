import type { FaninError } from '@fanin/core';

/**
 * Where the IPC writer's errors go: `onError` when given (every error), else a process warning
 * once per message, as core's writers do.
 */
export class Reporter {
  readonly #onError: ((err: FaninError) => void) | undefined;
  readonly #warned = new Set<string>();

  constructor(onError: ((err: FaninError) => void) | undefined) {
    this.#onError = onError;
  }

  report(err: FaninError): void {
    if (this.#onError) {
      this.#onError(err);
      return;
    }
    if (this.#warned.has(err.message)) return;
    this.#warned.add(err.message);
    process.emitWarning(err.message, { code: err.code });
  }
}
