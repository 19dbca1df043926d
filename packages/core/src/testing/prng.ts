/**
 * mulberry32 (Tommy Ettinger's 32-bit generator, public domain): a tiny seeded PRNG, so a mix of
 * record sizes, an interleaving or a split is the same in every run and can be replayed from its
 * seed. Not for anything that needs unpredictability.
 *
 * @returns a function giving the next number in [0, 1)
 * @example
 * const random = prng(42);
 * const size = random() < 0.01 ? 200 * 1024 : 100;
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Shuffles `items` in place (Fisher–Yates) with `random`, and returns it.
 *
 * @example
 * shuffle([1, 2, 3], prng(7));
 */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
