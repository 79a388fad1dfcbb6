/** Where the global setup writes the ESM bundle of src/ that worker threads import. */
import { fileURLToPath, pathToFileURL } from 'node:url'

/** Directory of the bundle (under node_modules/.cache, so its dependencies resolve). */
export const bundleDir = fileURLToPath(
  new URL('../../node_modules/.cache/entangle-actors-test/', import.meta.url),
)

/** URL of the bundle's entry, for `import()` in a worker. */
export const bundleUrl = pathToFileURL(`${bundleDir}index.js`).href
