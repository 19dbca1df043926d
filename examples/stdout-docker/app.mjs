// The "container": this process forks WRITERS processes that all inherit its stdout, as every
// process in a container shares the one pipe docker reads. Each logs RECORDS records (100 B,
// 8 KB and 200 KB) with createAppendFileWriter({ filename: '/dev/stdout' }), which writes to
// descriptor 1. A pipe keeps a write whole only up to PIPE_BUF (4096 bytes, pipe(7)), so fanin
// writes a larger record as framed chunks of at most 4096 bytes; `fanin-join` (or
// createChunkJoiner()) puts them together again on the reading side:
//
//   node app.mjs | node_modules/.bin/fanin-join > app.log
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createAppendFileWriter } from '@fanin/append-file';
import { makeRecord } from '../check-log.mjs';

const WRITERS = Number(process.env.WRITERS ?? 4);
const RECORDS = Number(process.env.RECORDS ?? 1000);

async function writer(p) {
  const out = createAppendFileWriter({ filename: '/dev/stdout' });
  // Start when every writer is up, so that their writes overlap.
  process.send('ready');
  await new Promise((resolve) => process.once('message', resolve));
  process.disconnect();
  for (let s = 0; s < RECORDS; s++) {
    out.write(`${JSON.stringify(makeRecord(p, s))}\n`);
    // Let the other writers in every 50 records, as a busy server's turns would.
    if (s % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
  }
  await out.close(); // resolves once every record is in the pipe
}

async function container() {
  const self = fileURLToPath(import.meta.url);
  // stdout 'inherit': the children write to this process's stdout pipe itself.
  const stdio = ['ignore', 'inherit', 'inherit', 'ipc'];
  const children = Array.from({ length: WRITERS }, (_, p) =>
    fork(self, ['writer', String(p)], { stdio }),
  );
  const exits = children.map((c) => once(c, 'exit').then(([code, signal]) => signal ?? code));
  // A writer that exits before it is ready must not leave the others waiting for 'go'.
  await Promise.race([Promise.all(children.map((c) => once(c, 'message'))), ...exits]);
  for (const c of children) if (c.connected) c.send('go');
  const codes = await Promise.all(exits);
  if (codes.some((c) => c !== 0)) {
    console.error(`stdout-docker: writers exited with ${codes.join(', ')}`);
    process.exitCode = 1;
  }
}

if (process.argv[2] === 'writer') await writer(Number(process.argv[3]));
else await container();
