import type {
  BatchWriter,
  DeadlineOptions,
  FileWriterOptions,
  FlushOutcome,
  Writer,
} from '@fanin/core';
import { type IpcDestinationFactory, writerFor } from './destination.js';
import type { BytesBatch } from './frames.js';
import { textOfBytes } from './frames.js';
import { type LocalWriter, takesBlocks } from './local-writer.js';
import type { Role } from './role.js';
import { fromTextBatch, type TextBatch } from './text-batch.js';

/**
 * This process writes the file (or hands the records to the destination): its own records and
 * every peer's go through one writer, whose writes the hub waits for before it acknowledges.
 * Whether peers' batches may go to it as blocks is decided once, here, when the writer is made.
 */
export class WriterRole implements Role {
  readonly name = 'writer';
  /** The file writer, or the destination's writer. */
  readonly file: Writer;
  readonly #local: LocalWriter;
  readonly #blocks: BatchWriter | undefined;
  readonly #maxRecordBytes: number | undefined;

  /**
   * The role over a new writer: a file writer with `files` options, or the destination's.
   * Acknowledgements wait for the write, and peers' windows wait for acknowledgements: the
   * writer process writes at the end of every turn rather than at most once a millisecond.
   */
  static open(
    files: FileWriterOptions,
    destination: IpcDestinationFactory | undefined,
    local: LocalWriter,
    where: string,
  ): WriterRole {
    const file = writerFor({ minWriteIntervalMs: 0, ...files }, destination, where);
    return new WriterRole(file, local, files.lazy, files.maxRecordBytes as number | undefined);
  }

  constructor(file: Writer, local: LocalWriter, lazy: boolean | undefined, max?: number) {
    this.file = file;
    this.#local = local;
    this.#blocks = takesBlocks(file, lazy) ? file : undefined;
    this.#maxRecordBytes = max;
  }

  write(record: string, level: string | undefined): boolean {
    return this.file.write(record, level);
  }

  writeNotice(text: string): void {
    this.file.write(text, 'warn');
    this.file.flushSync();
  }

  // A batch as one block for a regular file (one encode, no per-record work); else record by
  // record — also when one may be over maxRecordBytes (a peer of this version checks before it
  // sends; another might not): the file writer then refuses that one, counted, and writes the
  // rest.
  writeBatch(batch: TextBatch | BytesBatch): number {
    const n = batch.lens.length;
    const max = this.#maxRecordBytes;
    if (this.#blocks && (max === undefined || batch.lens.every((len) => len * 3 <= max))) {
      const bytes = 'bytes' in batch ? batch.bytes : Buffer.from(batch.text);
      this.#blocks.writeBlock(bytes, n);
      return n;
    }
    const { records, levels } = fromTextBatch('bytes' in batch ? textOfBytes(batch) : batch);
    for (let i = 0; i < n; i++) {
      this.file.write(records[i] as string, (levels[i] as string) || undefined);
    }
    return n;
  }

  whenWritten(callback: () => void): void {
    this.file.onWritten(callback);
  }

  settled(): Promise<unknown> {
    return this.file.flush();
  }

  flush(options: DeadlineOptions): Promise<FlushOutcome> {
    return this.file.flush(options);
  }

  flushSync(): FlushOutcome {
    // Records this process wrote itself before it became the writer go first.
    this.#local.existing?.flushSync();
    return this.file.flushSync();
  }

  settleForClose(): number {
    return 0;
  }

  onWritten(callback: () => void): void {
    this.file.onWritten(callback);
  }
}
