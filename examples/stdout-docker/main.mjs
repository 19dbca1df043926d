// The "docker logs" side: runs app.mjs (the container) with its stdout on a pipe, keeps the raw
// bytes that come out of it, and pipes them through createChunkJoiner() from @fanin/core. Then
// checks that every raw line (a plain record or a framed chunk) is at most PIPE_BUF bytes, that
// the joined stream holds every record whole, once and in order per process, and that the
// fanin-join command joins the same raw bytes into the same output.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createChunkJoiner,
  PIPE_BUF,
  parseFrameHeader,
  startsWithMagic,
  writerOf,
} from '@fanin/core';
import { checkLog, fail, report } from '../check-log.mjs';

const NAME = 'stdout-docker';
const WRITERS = 4;
const RECORDS = 1000;
const here = path.dirname(fileURLToPath(import.meta.url));
const FANIN_JOIN = path.join(here, 'node_modules', '.bin', 'fanin-join');

/**
 * Walks the raw stream as the kernel delivered it: a framed chunk (it starts with \x1efanin1:,
 * and its header gives its payload's length) or a plain line. Each chunk was one write(2), so
 * its length is what the pipe had to keep whole. Also counts the chunked records that another
 * process's writes cut into: what would have torn them without framing.
 */
function rawUnits(raw) {
  const units = { chunks: 0, plain: 0, longest: 0, trailing: 0, interleaved: 0 };
  // Per writer with a chunked record under way: whether another process wrote in between.
  const open = new Map();
  const othersWrote = (writer) => {
    for (const w of open.keys()) if (w !== writer) open.set(w, true);
  };
  let at = 0;
  while (at < raw.length) {
    let end;
    if (startsWithMagic(raw, at) === 'yes') {
      const parsed = parseFrameHeader(raw, at);
      if (parsed.state !== 'ok') break; // the joiner reports it as garbled
      end = parsed.payloadStart + parsed.header.length + 1; // payload, then one newline
      units.chunks++;
      const writer = writerOf(parsed.header.id);
      othersWrote(writer);
      if (!parsed.header.last) open.set(writer, open.get(writer) ?? false);
      else if (open.get(writer)) units.interleaved++;
      if (parsed.header.last) open.delete(writer);
    } else {
      const nl = raw.indexOf(0x0a, at);
      if (nl < 0) break;
      end = nl + 1;
      units.plain++;
      othersWrote(undefined); // a process writes a record's chunks before its next record
    }
    units.longest = Math.max(units.longest, end - at);
    at = end;
  }
  units.trailing = raw.length - at; // bytes left over would be a cut-off or garbled write
  return units;
}

const app = spawn(process.execPath, [path.join(here, 'app.mjs')], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, WRITERS: String(WRITERS), RECORDS: String(RECORDS) },
});
const exited = once(app, 'exit');
const raw = [];
const joined = [];
const warnings = [];
const joiner = createChunkJoiner();
app.stdout.on('data', (c) => raw.push(c));
joiner.on('data', (c) => joined.push(c));
joiner.on('warning', (w) => warnings.push(w.message));
app.stdout.pipe(joiner);
await once(joiner, 'end'); // every holder of the pipe's write end has exited
const [code, signal] = await exited;
if (code !== 0) fail(NAME, `app.mjs exited with ${signal ?? code}`);

const rawBytes = Buffer.concat(raw);
const joinedBytes = Buffer.concat(joined);
const lines = rawUnits(rawBytes);
const check = checkLog(joinedBytes.toString('utf8'), Array(WRITERS).fill(RECORDS));
const problems = warnings.map((w) => `joiner: ${w}`);
if (lines.longest > PIPE_BUF) problems.push(`a raw write of ${lines.longest} bytes`);
if (lines.trailing > 0) problems.push(`${lines.trailing} bytes after the last whole write`);
const bin = spawnSync(FANIN_JOIN, { input: rawBytes, maxBuffer: 1 << 28 });
if (bin.status !== 0 || !bin.stdout.equals(joinedBytes)) {
  problems.push(`fanin-join exited with ${bin.status} and gave other bytes: ${bin.stderr}`);
}
report(
  NAME,
  check,
  `${WRITERS} processes on one stdout pipe; raw: ${lines.chunks} framed chunks + ${lines.plain} plain lines, ` +
    `longest ${lines.longest} B (PIPE_BUF ${PIPE_BUF}); ${lines.interleaved} chunked records had other writes ` +
    'between their chunks; joined by createChunkJoiner() and fanin-join alike',
  problems,
);
