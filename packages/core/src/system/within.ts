/**
 * Waits for `work` at most `ms`: true when it settled in time, false at the deadline (the work
 * goes on; the caller abandons it). The timer is ref'd unless `ref` is false: a caller awaiting
 * close() must not see the process exit under it.
 *
 * @example
 * if (!(await within(compressions, 2000))) abandon();
 */
export async function within(work: Promise<unknown>, ms: number, ref = true): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
    if (!ref) timer.unref();
  });
  try {
    return await Promise.race([work.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
