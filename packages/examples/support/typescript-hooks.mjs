/**
 * Node module hooks (see `typescript.mjs`): a `.ts` file is read as usual, then esbuild removes its
 * types (nothing is bundled or renamed, so stack traces keep the file's own names).
 */
import { transform } from 'esbuild'

/**
 * Node's `load` hook: `.ts` files become ES modules without their types.
 * @type {import('node:module').LoadHook}
 */
export async function load(url, context, nextLoad) {
  if (!url.endsWith('.ts')) return nextLoad(url, context)
  const { source } = await nextLoad(url, { ...context, format: 'module' })
  const { code } = await transform(String(source), {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    sourcefile: url,
    sourcemap: 'inline',
  })
  return { format: 'module', source: code, shortCircuit: true }
}
