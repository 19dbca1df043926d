import { type BatchWriter, createFileWriter, type FileWriterOptions } from '@fanin/core';

/**
 * Options of the append-file writer: the shared file-writer options (see `@fanin/core`).
 * Every record, or batch of whole records, is appended with one `write(2)` on an O_APPEND
 * descriptor; to a pipe, FIFO or terminal a record over PIPE_BUF goes as framed chunks.
 */
export type AppendFileOptions = FileWriterOptions;

/**
 * The framework-free O_APPEND writer.
 *
 * @example
 * const writer = createAppendFileWriter({ filename: 'logs/app.log' });
 * writer.write(`${JSON.stringify({ msg: 'hello' })}\n`);
 * await writer.close();
 */
export function createAppendFileWriter(
  options: AppendFileOptions,
  where = 'createAppendFileWriter',
): BatchWriter {
  return createFileWriter(options, where);
}
