/**
 * Linear time, checked the way BENCHMARKS.md measures speed: as a ratio within one run, never as a
 * wall-clock bound a loaded CI machine can miss. The same work on `grow` times the input takes about
 * `grow` times as long when it is linear, `grow`² times when it is quadratic. Caches and the GC
 * bend the line on a busy machine (up to ~7 × `grow` at grow 32, under a parallel e2e run), so
 * assert against {@link superlinearBound}, well between the two.
 */

/**
 * How much longer `work` takes on `input(n * grow)` than on `input(n)`: the fastest of `runs`
 * timings of each, taken in turn so both meet the same machine. Choose `n` so the small run takes
 * a fraction of a millisecond and the large one tens.
 */
export function growthRatio<T>(input: (n: number) => T, work: (input: T) => unknown, n: number, grow: number, runs = 7): number {
  const small = input(n);
  const large = input(n * grow);
  let fastSmall = Infinity;
  let fastLarge = Infinity;
  for (let i = 0; i < runs; i++) {
    fastLarge = Math.min(fastLarge, timed(() => work(large)));
    fastSmall = Math.min(fastSmall, timed(() => work(small)));
  }
  // A floor of 0.05 ms keeps a tiny small-run timing from inflating the ratio.
  return fastLarge / Math.max(fastSmall, 0.05);
}

/** Between the two: grow² / 3 (at grow 32, 341: linear work measured 32-215 here, quadratic ~1000). */
export function superlinearBound(grow: number): number {
  return (grow * grow) / 3;
}

function timed(fn: () => unknown): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}
