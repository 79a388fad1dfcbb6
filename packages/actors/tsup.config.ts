import { defineConfig } from 'tsup'

export default defineConfig({
  // Two entries sharing one copy of the code (splitting), so `instanceof` works across them.
  entry: ['src/index.ts', 'src/testing.ts'],
  splitting: true,
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
})
