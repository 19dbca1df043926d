import type { RotatedLog } from '../helpers/rotated-files.js';

const PAGE = 4096;

/**
 * Takes out the batch tails that SIGKILL cut off. Linux checks for a fatal signal between the
 * pages of a write(2) (generic_perform_write) and returns the bytes copied so far, so a killed
 * writer can leave a batch cut at a page boundary of the file. The next writer usually starts
 * with a newline (the tail rule), so the cut is a line of its own; a writer already past its look
 * is glued onto it (a documented limit). Only that exact signature is taken out: a line of a
 * killed writer that ends at, or breaks at, an offset that is a multiple of 4096, the rest whole
 * JSON. Returns the number of cuts taken out.
 */
export function takeOutCuts(log: RotatedLog, killed: number[]): number {
  let cuts = 0;
  for (const f of log.files) {
    let at = 0;
    const lines = f.text.split('\n').map((line) => {
      const start = at;
      at += line.length + 1;
      if (line === '' || parses(line)) return line;
      const owner = Number(/^\{"p":(\d+),/.exec(line)?.[1] ?? -1);
      if (!killed.includes(owner)) return line;
      // A cut ending its line at a page boundary: at the end of a file, or ended by the newline
      // the next writer put before its batch (the file target's tail rule): nothing glued on.
      if ((start + line.length) % PAGE === 0) {
        cuts++;
        return '';
      }
      let cut = Math.ceil((start + 1) / PAGE) * PAGE;
      while (cut < start + line.length && !parses(line.slice(cut - start))) cut += PAGE;
      if (cut >= start + line.length) return line;
      const rest = line.slice(cut - start);
      cuts++;
      return rest;
    });
    f.text = lines.filter((l, i) => l !== '' || i === lines.length - 1).join('\n');
  }
  return cuts;
}

function parses(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}
