import { FaninError, warnOnce } from './errors.js';
import type { FileEvent, FileEventListener } from './file-events.js';

/** Tells a {@link FileEvent} to the writer's listener; never throws. */
export type EmitFileEvent = (event: FileEvent) => void;

/** Emits nothing: no `onFileEvent` was given. */
export const noFileEvents: EmitFileEvent = () => {};

/**
 * Wraps the `onFileEvent` listener so that the part of the writer that did an act (open,
 * rotate, archive, remove, close) can tell it without knowing who listens. A listener that
 * throws is reported through `report` (the writer's `onError`, else one process warning) with
 * the event it threw on, and writing goes on: a framework's event handler must never cost a
 * record.
 *
 * @example
 * const emit = fileEventEmitter(options.onFileEvent, options.onError);
 * emit({ type: 'open', filename: '/var/log/app.log' });
 */
export function fileEventEmitter(
  listener: FileEventListener | undefined,
  report: ((err: FaninError) => void) | undefined = warnOnce,
): EmitFileEvent {
  if (!listener) return noFileEvents;
  return (event) => {
    try {
      listener(event);
    } catch (err) {
      const message = `onFileEvent listener threw on a "${event.type}" event: ${(err as Error)?.message ?? String(err)}`;
      try {
        report(new FaninError('ERR_FANIN_WRITE', message, { cause: err }));
      } catch {
        // The error path itself threw: nothing more can be told, and writing must go on.
      }
    }
  };
}
