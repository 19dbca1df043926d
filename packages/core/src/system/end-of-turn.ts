/**
 * Runs `task` once at the end of the current event-loop turn (`setImmediate`), however often
 * it is asked for during the turn: how a writer does per-turn work (wake a writer thread, pump
 * a spool) once for a burst of records instead of once per record.
 *
 * @example
 * const pump = new EndOfTurn(() => shipper.pump());
 * pump.schedule(); pump.schedule(); // one pump, after this turn
 */
export class EndOfTurn {
  readonly #task: () => void;
  #scheduled = false;

  constructor(task: () => void) {
    this.#task = task;
  }

  /** Whether the task is due at the end of this turn. */
  get scheduled(): boolean {
    return this.#scheduled;
  }

  /** Asks for the task at the end of this turn (once, however often asked). */
  schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#task();
    });
  }
}
