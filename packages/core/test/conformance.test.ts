/**
 * Runs the conformance cases on Node against two columns: `node-core` (@entangle/core from
 * `../src`) and `node-native` (Node's own MessageChannel). A case listed in `expected` for a
 * column must FAIL there, so a difference that silently disappears is caught too.
 */
import process from 'node:process'
import v8 from 'node:v8'
import vm from 'node:vm'
import { describe, expect, it } from 'vitest'
import { cases } from './conformance/cases'
import { expected } from './conformance/expected'
import type { Column, Impl } from './conformance/types'

/** Hooks only Node offers; the same for both columns. */
const nodeHooks = {
  onUncaught(handler: (error: unknown) => void) {
    // While this listener is registered vitest leaves uncaught errors to it (it only reports
    // them when its own listener is the only one).
    process.on('uncaughtException', handler)
    return () => {
      process.off('uncaughtException', handler)
    }
  },
  activeResources: () => process.getActiveResourcesInfo(),
  ...exposeGc(),
} satisfies Partial<Impl>

/** `gc` from V8, turned on at run time; absent (and the gc case skipped) if V8 refuses. */
function exposeGc(): { gc?: () => void } {
  v8.setFlagsFromString('--expose-gc')
  const gc: unknown = vm.runInNewContext('typeof gc === "function" ? gc : undefined')
  return typeof gc === 'function' ? { gc: () => void gc() } : {}
}

/**
 * @entangle/core from `../src/index.ts`, or why it cannot be tested yet (imported and checked at
 * run time so the native column still runs while the source is being written).
 */
async function coreImpl(): Promise<Impl | string> {
  let core: Record<string, unknown>
  try {
    core = await import('../src/index')
  } catch (error) {
    return `src/index.ts does not load: ${error instanceof Error ? error.message : String(error)}`
  }
  const missing = ['MessageChannel', 'MessagePort', 'MessageEvent', 'installGlobals'].filter(
    (name) => core[name] === undefined,
  )
  if (missing.length > 0) return `src/index.ts does not export ${missing.join(', ')} yet`
  return {
    column: 'node-core',
    ours: true,
    MessageChannel: core.MessageChannel as Impl['MessageChannel'],
    MessagePort: core.MessagePort as Impl['MessagePort'],
    MessageEvent: core.MessageEvent as Impl['MessageEvent'],
    installGlobals: core.installGlobals as NonNullable<Impl['installGlobals']>,
    ...nodeHooks,
  }
}

const nativeImpl: Impl = {
  column: 'node-native',
  ours: false,
  MessageChannel: globalThis.MessageChannel as unknown as Impl['MessageChannel'],
  MessagePort: globalThis.MessagePort as unknown as Impl['MessagePort'],
  MessageEvent: globalThis.MessageEvent,
  ...nodeHooks,
}

const columns: [Column, Impl | string][] = [
  ['node-core', await coreImpl()],
  ['node-native', nativeImpl],
]

for (const [column, impl] of columns) {
  describe(column, () => {
    if (typeof impl === 'string') {
      // The implementation did not load: that is a failure, not a reason to skip its cases.
      it('loads', () => {
        throw new Error(impl)
      })
      return
    }
    for (const testCase of cases) {
      const name = `${testCase.id}: ${testCase.title}`
      const missing = (testCase.needs ?? []).filter((hook) => impl[hook] === undefined)
      const differs = expected[column][testCase.id]
      if (testCase.coreOnly && !impl.ours) {
        // Skipped with its reason in the title: installGlobals and the like exist only in ours.
        it.skip(`${name} (n/a for native)`, () => {})
      } else if (missing.length > 0) {
        // Skipped with its reason in the title: the host offers no such hook (gc, handles, ...).

        it.skip(`${name} (needs impl.${missing.join(', impl.')})`, () => {})
      } else if (differs !== undefined) {
        it(`${name} [expected to differ: ${differs}]`, async () => {
          let failure: unknown
          try {
            await testCase.run(impl)
          } catch (error) {
            failure = error ?? 'a falsy value'
          }
          expect(
            failure,
            `${testCase.id} passed on ${column}, but expected.ts says it differs`,
          ).toBeDefined()
        })
      } else {
        it(name, () => testCase.run(impl))
      }
    }
  })
}

describe('conformance tables', () => {
  it('case ids are unique', () => {
    const ids = cases.map((c) => c.id)
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([])
  })
  it('expected.ts names only existing cases', () => {
    const ids = new Set(cases.map((c) => c.id))
    for (const [column, entries] of Object.entries(expected)) {
      expect(
        Object.keys(entries).filter((id) => !ids.has(id)),
        column,
      ).toEqual([])
    }
  })
})
