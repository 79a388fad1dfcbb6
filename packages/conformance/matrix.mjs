#!/usr/bin/env node
/**
 * `pnpm conformance`: runs the @entangle/core conformance cases (the very definitions in
 * `packages/core/test/conformance/cases.ts`, bundled with esbuild together with the core's
 * sources) in six columns (Node, workerd and headless Chromium, each with @entangle/core and with
 * the host's native MessageChannel), prints the matrix, writes `conformance-results.json` and exits
 * non-zero on any unexpected cell. Usage: `node matrix.mjs [column ...]` (default: all six).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { CHROMIUM_INSTALL, CHROMIUM_PATH, hasChromium, startChromium } from './hosts/chromium.mjs'
import { openNode } from './hosts/node.mjs'
import { openWorkerd, workerdVersion } from './hosts/workerd.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const conformanceDir = join(here, '../core/test/conformance')

/** Every setting of the run, in one place. */
const settings = {
  /** A case that has not settled by then fails, and its host is restarted for the next case. */
  caseLimitMs: 2000,
  /** A column still running after this long stops; its remaining cases count as unexpected. */
  columnLimitMs: 40_000,
  /** workerd with a global MessageChannel (the native column). */
  workerdNativeDate: '2025-09-01',
  /** workerd without one (the core runs on a bare host). */
  workerdCoreDate: '2025-08-01',
  resultsFile: join(here, 'conformance-results.json'),
}

const COLUMNS = [
  'node-core',
  'node-native',
  'workerd-core',
  'workerd-native',
  'chromium-core',
  'chromium-native',
]

const isNative = (column) => column.endsWith('-native')

async function main() {
  const wanted = process.argv.slice(2)
  const unknown = wanted.filter((column) => !COLUMNS.includes(column))
  if (unknown.length > 0) {
    throw new Error(`Unknown column(s): ${unknown.join(', ')}. Columns: ${COLUMNS.join(', ')}`)
  }
  const columns = wanted.length > 0 ? COLUMNS.filter((column) => wanted.includes(column)) : COLUMNS
  if (columns.some((column) => column.startsWith('chromium')) && !hasChromium()) {
    throw new Error(
      `Chromium is missing: the matrix needs Debian's chromium at ${CHROMIUM_PATH}.\n` +
        `Install it with: ${CHROMIUM_INSTALL}\n` +
        'or run only the other columns: node matrix.mjs node-core node-native workerd-core workerd-native',
    )
  }

  const started = performance.now()
  const dir = await mkdtemp(join(tmpdir(), 'entangle-conformance-'))
  try {
    const bundles = await bundle(dir)
    const { cases, expected } = await import(pathToFileURL(bundles.meta).href)
    const versions = { node: process.version, workerd: workerdVersion }
    const runs = {}
    for (const column of columns) {
      runs[column] = {
        ids: cases.filter((c) => !(c.coreOnly && isNative(column))).map((c) => c.id),
      }
    }

    let chromium
    try {
      for (const column of columns) {
        const t0 = performance.now()
        if (column.startsWith('chromium')) {
          chromium ??= await startChromium(bundles.browser)
          versions.chromium = chromium.version
        }
        const open = {
          'node-core': () => openNode(bundles.node, column),
          'node-native': () => openNode(bundles.node, column),
          'workerd-core': () => openWorkerd(bundles.workerd, column, settings.workerdCoreDate),
          'workerd-native': () => openWorkerd(bundles.workerd, column, settings.workerdNativeDate),
          'chromium-core': () => chromium.open(column),
          'chromium-native': () => chromium.open(column),
        }[column]
        Object.assign(runs[column], await runColumn(open, runs[column].ids))
        runs[column].ms = Math.round(performance.now() - t0)
      }
    } finally {
      await chromium?.close()
    }

    const report = judge(cases, expected, columns, runs)
    print(report, columns, runs)
    await writeFile(
      settings.resultsFile,
      `${JSON.stringify({ date: new Date().toISOString(), versions, ...report.json }, null, 2)}\n`,
    )
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    console.log(`\nResults: ${settings.resultsFile} (whole run ${seconds} s)`)
    process.exitCode = report.unexpected > 0 ? 1 : 0
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * Bundles the three host runtimes and the case list (for the matrix itself) into `dir`, one after
 * the other so a core that does not compile is reported once.
 */
async function bundle(dir) {
  const runtime = join(here, 'runtime')
  const out = {
    node: join(dir, 'node.mjs'),
    workerd: join(dir, 'workerd.mjs'),
    browser: join(dir, 'browser.js'),
    meta: join(dir, 'meta.mjs'),
  }
  const builds = [
    { entryPoints: [join(runtime, 'node.ts')], outfile: out.node, platform: 'node' },
    { entryPoints: [join(runtime, 'workerd.ts')], outfile: out.workerd, platform: 'neutral' },
    {
      entryPoints: [join(runtime, 'browser.ts')],
      outfile: out.browser,
      platform: 'browser',
      format: 'iife',
    },
    {
      stdin: {
        contents: `export { cases } from './cases.ts'\nexport { expected } from './expected.ts'\n`,
        resolveDir: conformanceDir,
        loader: 'ts',
      },
      outfile: out.meta,
      platform: 'node',
    },
  ]
  for (const options of builds) {
    await build({
      bundle: true,
      format: 'esm',
      target: 'es2022',
      logLevel: 'warning',
      ...options,
    }).catch(() => {
      throw new Error('esbuild could not bundle the cases and the core: see its errors above')
    })
  }
  return out
}

/**
 * Runs `ids` one by one on a host from `open`. A case that does not settle within the limit fails
 * and the host is replaced. A host that cannot start, or a column over its time limit, ends the
 * column: `broken` says why.
 */
async function runColumn(open, ids) {
  const results = {}
  const started = performance.now()
  let host
  for (const id of ids) {
    if (performance.now() - started > settings.columnLimitMs) {
      await host?.close()
      return { results, broken: `the column took more than ${settings.columnLimitMs} ms` }
    }
    try {
      host ??= await open()
    } catch (error) {
      return { results, broken: `host did not start: ${error.message}` }
    }
    try {
      results[id] = await withLimit(host.run(id), settings.caseLimitMs)
    } catch (error) {
      results[id] = { id, ok: false, error: error.message }
      await withLimit(host.close(), settings.caseLimitMs).catch(() => {})
      host = undefined
    }
  }
  await host?.close()
  return { results }
}

/** `promise`, or a rejection once `ms` have passed. */
function withLimit(promise, ms) {
  let timer
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms)
  })
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer))
}

/**
 * Turns results into cells. pass: passed and not recorded as a difference; diff: failed and
 * recorded in `expected`; n/a: coreOnly case on a native column, or a hook the host lacks;
 * UNEXPECTED: anything else, including a case that passes although `expected` records a
 * difference for it, and every case of a column whose host did not start.
 */
function judge(cases, expected, columns, runs) {
  const rows = []
  const problems = []
  let unexpected = 0
  const json = { caseLimitMs: settings.caseLimitMs, columns: {} }
  for (const column of columns) {
    const recorded = expected[column] ?? {}
    const { ms, broken, ids, results } = runs[column]
    json.columns[column] = { ms, ...(broken ? { broken } : {}), cases: {} }
    if (broken) {
      const left = ids.length - Object.keys(results).length
      problems.push(`${column}: ${broken} (${left} cases not run)`)
    }
    for (const id of Object.keys(recorded)) {
      const c = cases.find((candidate) => candidate.id === id)
      if (!c || (c.coreOnly && isNative(column))) {
        unexpected += 1
        problems.push(
          `${column} ${id}: expected.ts records a difference for a case that does not run there`,
        )
      }
    }
  }
  for (const c of cases) {
    const cells = {}
    for (const column of columns) {
      const runsHere = runs[column].ids.includes(c.id)
      const result = runs[column].results[c.id]
      const reason = expected[column]?.[c.id]
      let cell
      if (!runsHere || result?.skipped) cell = 'n/a'
      else if (!result)
        cell = 'UNEXPECTED' // the host did not start
      else if (result.ok) cell = reason === undefined ? 'pass' : 'UNEXPECTED'
      else cell = reason === undefined ? 'UNEXPECTED' : 'diff'
      cells[column] = cell
      if (cell === 'UNEXPECTED') unexpected += 1
      if (cell === 'UNEXPECTED' && result) {
        problems.push(
          result.ok
            ? `${column} ${c.id}: passes, but expected.ts records a difference: ${reason}`
            : `${column} ${c.id}: ${result.error}`,
        )
      }
      json.columns[column].cases[c.id] = {
        cell,
        ...(result && !result.skipped ? { ok: result.ok } : {}),
        ...(runsHere ? {} : { skipped: 'coreOnly: not run on a native column' }),
        ...(result?.skipped ? { skipped: result.skipped } : {}),
        ...(result?.error ? { error: result.error } : {}),
        ...(result?.uncaught ? { uncaught: result.uncaught } : {}),
        ...(reason === undefined ? {} : { expected: reason }),
      }
    }
    rows.push({ id: c.id, title: c.title, cells })
  }
  return { rows, problems, unexpected, json }
}

function print(report, columns, runs) {
  const idWidth = Math.max(...report.rows.map((row) => row.id.length))
  const titleWidth = 40
  const widths = columns.map((column) => Math.max(column.length, 'UNEXPECTED'.length))
  const line = (label, cells) =>
    `${label}  ${cells.map((cell, i) => cell.padEnd(widths[i])).join('  ')}`.trimEnd()
  const clip = (text) => (text.length > titleWidth ? `${text.slice(0, titleWidth - 1)}…` : text)

  console.log(line(''.padEnd(idWidth + 1 + titleWidth), columns))
  for (const row of report.rows) {
    const label = `${row.id.padEnd(idWidth)} ${clip(row.title).padEnd(titleWidth)}`
    console.log(
      line(
        label,
        columns.map((column) => row.cells[column]),
      ),
    )
  }

  console.log('')
  for (const column of columns) {
    const counts = { pass: 0, diff: 0, 'n/a': 0, UNEXPECTED: 0 }
    for (const row of report.rows) counts[row.cells[column]] += 1
    const summary = Object.entries(counts).map(([cell, n]) => `${n} ${cell}`)
    const seconds = (runs[column].ms / 1000).toFixed(1)
    console.log(`${column.padEnd(16)} ${summary.join(', ')}  (${seconds} s)`)
  }

  if (report.problems.length > 0) {
    console.log('\nUnexpected:')
    for (const problem of report.problems) console.log(`  ${problem}`)
  }
  const strays = Object.entries(report.json.columns).flatMap(([column, { cases }]) =>
    Object.entries(cases).flatMap(([id, { uncaught = [] }]) =>
      uncaught.map((e) => `${column} ${id}: ${e}`),
    ),
  )
  if (strays.length > 0) {
    console.log('\nNote: uncaught errors no case subscribed to (not judged):')
    for (const stray of strays) console.log(`  ${stray}`)
  }
}

await main().catch((error) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
