import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['*/**/*.test.ts'],
    // Worker threads started by the tests run TypeScript plugins, as `pnpm start:plugin-host` does.
    execArgv: ['--import', fileURLToPath(new URL('./support/typescript.mjs', import.meta.url))],
    // Starting workerd and worker threads takes a moment on a busy machine.
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
})
