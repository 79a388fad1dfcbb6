/**
 * The shape of a benchmark scenario, shared by every `packages/<pkg>/bench/*.bench.ts` file and
 * by the runner `scripts/bench.mjs`. Bench files import it as a type only:
 *
 * ```ts
 * import type { Scenario } from '../../../scripts/bench-types.ts'
 * const scenarios: Scenario[] = [...]
 * export default scenarios
 * ```
 */

/**
 * One benchmark: our implementation and an anchor measured the same way, in the same process.
 * The runner warms both sides up, then calls them in alternating order for several rounds and
 * compares the medians.
 */
export interface Scenario {
  /** `<package>.<what>`, e.g. `core.throughput-small`. The CLI filter matches against it. */
  name: string
  /** Unit of the figures `ours` and `anchor` return, e.g. `msg/s`, `us/call`, `bytes/channel`. */
  unit: string
  /** True for rates (msg/s), false for costs (us/op, bytes). Decides how the ratio is taken. */
  higherIsBetter: boolean
  /** What `anchor` measures, e.g. `node:worker_threads MessageChannel`. */
  anchorName: string
  /**
   * The target ratio (ratio > 1 means ours is better), e.g. `>= 10x`. The runner understands
   * `>= N` (ratio at least N) and `<= N slower` (ratio at least 1/N); a trailing `x` and any
   * words after the number are allowed. Other forms are printed but not judged.
   */
  target: string
  /** Measures one round of our implementation and returns the figure in `unit`. */
  ours(quick: boolean): Promise<number>
  /** Measures one round of the anchor and returns the figure in `unit`. */
  anchor(quick: boolean): Promise<number>
}
