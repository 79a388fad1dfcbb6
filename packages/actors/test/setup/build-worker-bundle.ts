/**
 * Global setup: bundles src/ to plain ESM for the worker-thread test, whose worker script runs
 * outside vitest and so cannot import TypeScript.
 */
import { fileURLToPath } from 'node:url'
import { build } from 'tsup'
import { bundleDir } from './bundle-path'

export default async function setup(): Promise<void> {
  await build({
    entry: { index: fileURLToPath(new URL('../../src/index.ts', import.meta.url)) },
    format: ['esm'],
    outDir: bundleDir,
    external: ['eventemitter3'],
    dts: false,
    sourcemap: false,
    clean: true,
    silent: true,
    config: false,
  })
}
