import type { LossNotice } from '@fanin/core';

/**
 * The drop summary the queue appends to the log: one JSON line such as
 * `{"level":"warn","message":"fanin: dropped 1234 records (debug: 1200, info: 34) in the last 5 s",…}`.
 */
export function queueNotice(n: LossNotice): string {
  const parts = Object.entries(Object.keys(n.byLevel).length ? n.byLevel : n.byReason)
    .map(([k, c]) => `${k}: ${c}`)
    .join(', ');
  const seconds = Math.max(1, Math.round((Date.now() - n.since.getTime()) / 1000));
  const message = `fanin: dropped ${n.lost} records (${parts}) in the last ${seconds} s`;
  return `${JSON.stringify({ level: 'warn', message, fanin: { ...n, since: n.since.toISOString() } })}\n`;
}
