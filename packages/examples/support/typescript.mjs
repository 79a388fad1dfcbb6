/**
 * Lets Node 20 run the examples' TypeScript files directly: `node --import ./support/typescript.mjs
 * bank/start.ts`. It registers `typescript-hooks.mjs`, which strips the types of each `.ts` module
 * with esbuild as Node loads it. Worker threads inherit the `--import`, so they can run `.ts` too.
 */
import { register } from 'node:module'

register('./typescript-hooks.mjs', import.meta.url)
