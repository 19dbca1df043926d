// date-format (log4js's date formatter) ships no types; the one function the tests call.
declare module 'date-format' {
  const dateFormat: { asString(format: string, date: Date): string };
  export default dateFormat;
}

// streamroller (log4js's file streams) ships no types; the one class the tests use.
declare module 'streamroller' {
  import type { Writable } from 'node:stream';
  export class RollingFileWriteStream extends Writable {
    constructor(filename: string, options: Record<string, unknown>);
  }
}

// file-stream-rotator (winston-daily-rotate-file's streams) ships no types; what the tests use.
declare module 'file-stream-rotator' {
  import type { EventEmitter } from 'node:events';

  const rotator: {
    getStream(options: Record<string, unknown>): EventEmitter & {
      write(text: string): void;
      end(): void;
    };
  };
  export default rotator;
}
