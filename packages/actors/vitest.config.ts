import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The finalizer tests call gc().
    execArgv: ['--expose-gc'],
    // The worker-thread test runs the package built by this setup.
    globalSetup: ['test/setup/build-worker-bundle.ts'],
    typecheck: {
      enabled: true,
      include: ['test/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
  },
})
