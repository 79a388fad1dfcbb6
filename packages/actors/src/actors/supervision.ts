/**
 * Supervision arithmetic: which directive applies to a failure, whether one more restart fits
 * in the window, and how long to back off before it.
 */
import { isDirective, type ResolvedSupervisor } from './options'
import type { ActorRef, Directive } from './types'

/**
 * Asks the supervisor's `decide` what to do; a `decide` that throws or returns something that is
 * not a directive means `stop` (the error it threw, if any, goes to `report`).
 */
export function decide(
  strategy: ResolvedSupervisor,
  error: unknown,
  child: ActorRef,
  report: (error: unknown) => void,
): Directive {
  try {
    const directive: unknown = strategy.decide(error, child as never)
    if (isDirective(directive)) return directive
    report(new TypeError(`supervisor.decide returned ${String(directive)}, not a directive`))
  } catch (thrown) {
    report(thrown)
  }
  return 'stop'
}

/**
 * Records a restart at `now` in `times` (restart timestamps, oldest first, edited in place)
 * unless `maxRestarts` already happened within the window. Returns the backoff delay in ms, or
 * -1 when the restart is refused.
 */
export function planRestart(strategy: ResolvedSupervisor, times: number[], now: number): number {
  while (times.length > 0 && now - (times[0] as number) >= strategy.withinMs) times.shift()
  if (times.length >= strategy.maxRestarts) return -1
  times.push(now)
  const { initialMs, factor, maxMs } = strategy
  return Math.min(maxMs, initialMs * factor ** (times.length - 1))
}
