import { createRequire } from 'node:module';
import type { Writer } from '@fanin/core';
import { type ConformanceSubject, conformanceCases } from '@fanin/core/testing';
import { describe, it } from 'vitest';

// The CommonJS builds, as log4js and the fixtures load them (one copy of core's classes).
const require = createRequire(import.meta.url);

/** A subject for `factory` of `pkg`, opened with `options` (in this process and in a child). */
function subject(pkg: string, factory: string, options: Record<string, unknown> = {}) {
  const module = require.resolve(pkg);
  const create = require(pkg)[factory] as (o: Record<string, unknown>) => Writer;
  return {
    name: pkg,
    open: (filename, more = {}) => create({ filename, ...options, ...more }),
    child: { module, factory, options },
  } satisfies ConformanceSubject;
}

const SUBJECTS = [
  subject('@fanin/append-file', 'createAppendFileWriter'),
  subject('@fanin/locked-file', 'createLockedFileWriter'),
  subject('@fanin/async-queue', 'createAsyncQueueWriter'),
  // The simplest mode: a process outside a cluster is the primary, so it writes itself.
  subject('@fanin/ipc', 'createIpcWriter', { via: 'cluster' }),
];

/** Cases a writer fails today, by subject: the defect each shows (kept, to be fixed). */
const KNOWN_DEFECTS: Record<string, Record<string, string>> = {};

for (const s of SUBJECTS) {
  describe(`conformance: ${s.name}`, () => {
    for (const c of conformanceCases(s)) {
      if (KNOWN_DEFECTS[s.name]?.[c.name]) it.fails(`${c.name} (known defect)`, c.run);
      else it(c.name, c.run);
    }
  });
}
