#!/usr/bin/env node
import { createChunkJoiner } from '../framing/chunk-joiner.js';

// fanin-join: stdin (framed chunks of many writers, interleaved) to stdout (whole records).
// One warning line on stderr per problem, a summary line at the end when there were any.
const joiner = createChunkJoiner();
joiner.on('warning', (w: { message: string }) => {
  process.stderr.write(`fanin-join: warning: ${w.message}\n`);
});
joiner.on('end', () => {
  const s = joiner.joinStats();
  if (s.garbled || s.lostRecords) {
    process.stderr.write(
      `fanin-join: ${s.records} records joined, ${s.lostRecords} lost, ${s.garbled} garbled chunks\n`,
    );
    process.exitCode = 1;
  }
});
process.stdin.pipe(joiner).pipe(process.stdout);
