import { OwnRecordsRole } from './forwarder-role.js';

/**
 * This process writes its records itself, with its own file writer (the append path: safe with
 * other writers of the file, just not funnelled): no writer answered, or its writer is gone
 * and no other can be had. Records still in the forwarder were written here on the way in.
 */
export class DirectRole extends OwnRecordsRole {
  readonly name = 'direct';

  write(record: string, level: string | undefined): boolean {
    return this.local.writer.write(record, level);
  }

  writeNotice(text: string): void {
    const writer = this.local.writer;
    writer.write(text, 'warn');
    writer.flushSync();
  }

  whenWritten(callback: () => void): void {
    this.local.writer.onWritten(callback);
  }
}
