/**
 * `pnpm bench`: runs every benchmark scenario of the monorepo and compares ours with an anchor.
 *
 * What it does, in order:
 * 1. Finds every `packages/<pkg>/bench/*.bench.ts`. Each file's default export is an array of
 *    scenarios (the `Scenario` interface in `scripts/bench-types.ts`): a name, a unit, whether
 *    higher is better, the anchor's name, a target, and two functions `ours(quick)` and
 *    `anchor(quick)` that each measure one round and return a figure in that unit.
 * 2. Compiles each file with esbuild into `node_modules/.cache/entangle-bench/`. Package imports
 *    are not bundled: they are rewritten to the absolute path of the file they resolve to from the
 *    bench file's own package, so `@entangle/core` is the built `dist` of the workspace package,
 *    exactly what a user imports. (Run `pnpm build` first; the root `bench` script does.)
 * 3. Runs each compiled file in a fresh child process (`node --expose-gc`, this script with
 *    `--child`), so heaps of different files never mix and memory scenarios can call `gc()`.
 *    Per scenario the child runs 2 warm-up rounds of each side, then N measured rounds (7, or 3
 *    with `--quick`) alternating which side goes first, calling `gc()` before every round. It
 *    takes the median of each side; ratio = ours / anchor when higher is better, anchor / ours
 *    otherwise, so ratio > 1 always means ours is better. It reports one JSON line per scenario
 *    on stdout as soon as that scenario is done. A file gets 240 s (55 s with `--quick`); past
 *    that its child is killed and the scenarios it finished are kept.
 * 4. Prints one table and writes `bench-results.json` at the root: a JSON array with one object
 *    per scenario that ran: `name`, `unit`, `ours`, `anchor`, `anchorName`, `ratio`, plus `target`,
 *    `met` (true, false, or null when the target is not a ratio this runner can judge) and `rounds`.
 *
 * Usage (from the repo root):
 *   pnpm bench                      build, then every scenario (under 5 minutes)
 *   pnpm bench --quick              smaller counts and 3 rounds (under 60 s); or BENCH_QUICK=1
 *   node scripts/bench.mjs core.    only scenarios whose name contains `core.` (any number of
 *                                   filters; a scenario runs when it matches one of them)
 *
 * The exit code is non-zero only when something crashed (a file that does not compile, a scenario
 * that throws, returns a non-positive figure or runs past the time limit), never for a missed
 * target. Scenarios that ran are still written to `bench-results.json`; a run in which no
 * scenario ran (a filter that matches nothing) leaves the file alone.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { createRequire, isBuiltin } from 'node:module'
import { cpus } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const OUT_DIR = join(ROOT, 'node_modules', '.cache', 'entangle-bench')
const RESULTS_FILE = join(ROOT, 'bench-results.json')
/** Marks the child's result line on stdout, so stray logging from a scenario cannot corrupt it. */
const RESULT_MARKER = '@@entangle-bench-result '

/** Every tunable of a run, in one place. */
const SETTINGS = {
  warmupRounds: 2,
  rounds: { full: 7, quick: 3 },
  /** Wall-clock limit for one bench file's child process. */
  fileTimeoutMs: { full: 240_000, quick: 55_000 },
  /** What benchmarks.md allows a whole run (the build before it included); only warned about. */
  budgetSeconds: { full: 300, quick: 60 },
}

if (process.argv[2] === '--child') {
  await runChild(process.argv.slice(3))
} else {
  await runParent(process.argv.slice(2))
}

// ---------------------------------------------------------------------------------------------
// Parent: find, compile, spawn, print, write.

/** @param {string[]} args */
async function runParent(args) {
  const started = performance.now()
  const { quick, filters } = parseArgs(args)
  const files = findBenchFiles()
  if (files.length === 0) fail('no bench files found under packages/*/bench/*.bench.ts')
  const esbuild = loadEsbuild()
  mkdirSync(OUT_DIR, { recursive: true })

  /** @type {object[]} */
  const results = []
  /** @type {string[]} */
  const crashes = []
  for (const file of files) {
    const label = relative(ROOT, file)
    let compiled
    try {
      compiled = await compile(esbuild, file)
    } catch (error) {
      crashes.push(`${label}: does not compile: ${error instanceof Error ? error.message : error}`)
      continue
    }
    process.stderr.write(`${label}\n`)
    // One child per scenario: what one scenario leaves in the heap or the JIT never skews the next
    // (a memory scenario measured after a throughput one read ~45% higher in a shared child).
    const listing = await runFileInChild(compiled, quick, ['--list'])
    if (listing.error) crashes.push(`${label}: ${listing.error}`)
    const names = (listing.results[0]?.names ?? []).filter(
      (name) => filters.length === 0 || filters.some((f) => name.includes(f)),
    )
    for (const name of names) {
      const report = await runFileInChild(compiled, quick, [`=${name}`])
      if (report.error) crashes.push(`${label} ${name}: ${report.error}`)
      for (const entry of report.results) {
        if ('error' in entry) crashes.push(`${entry.name}: ${entry.error}`)
        else results.push(entry)
      }
    }
  }

  const seconds = (performance.now() - started) / 1000
  if (results.length > 0) {
    process.stdout.write(`\n${formatTable(results)}\n`)
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`)
    process.stdout.write(
      `\n${results.length} scenario(s), ${quick ? 'quick' : 'full'} run, ${seconds.toFixed(1)} s; ` +
        `wrote ${relative(ROOT, RESULTS_FILE)} (node ${process.version}, ${cpuName()})\n`,
    )
  } else if (crashes.length === 0) {
    process.stdout.write(`no scenario matched ${filters.join(', ')}; nothing written\n`)
  }
  const budget = quick ? SETTINGS.budgetSeconds.quick : SETTINGS.budgetSeconds.full
  if (seconds > budget) {
    process.stderr.write(
      `note: this run took ${seconds.toFixed(0)} s, over its ${budget} s budget\n`,
    )
  }
  if (crashes.length > 0) {
    process.stderr.write(
      `\n${crashes.length} crash(es):\n${crashes.map((c) => `  ${c}`).join('\n')}\n`,
    )
    process.exitCode = 1
  }
}

/** @param {string[]} args */
function parseArgs(args) {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: read here, outside any turbo task.
  let quick = ['1', 'true'].includes(process.env.BENCH_QUICK ?? '')
  /** @type {string[]} */
  const filters = []
  for (const arg of args) {
    if (arg === '--quick') quick = true
    else if (arg === '--')
      continue // pnpm may pass the separator through
    else if (arg.startsWith('-')) fail(`unknown option ${arg} (known: --quick)`)
    else filters.push(arg)
  }
  return { quick, filters }
}

function findBenchFiles() {
  const packagesDir = join(ROOT, 'packages')
  const files = []
  for (const pkg of readdirSync(packagesDir).sort()) {
    const benchDir = join(packagesDir, pkg, 'bench')
    if (!existsSync(benchDir)) continue
    for (const name of readdirSync(benchDir).sort()) {
      if (name.endsWith('.bench.ts')) files.push(join(benchDir, name))
    }
  }
  return files
}

/**
 * esbuild is not a root dependency: take the copy of the conformance package, else tsup's own,
 * else whatever the root resolves.
 */
function loadEsbuild() {
  const anchors = [
    join(ROOT, 'packages', 'conformance', 'package.json'),
    join(ROOT, 'package.json'),
  ]
  for (const anchor of anchors) {
    try {
      return createRequire(anchor)('esbuild')
    } catch {}
  }
  try {
    const tsup = createRequire(join(ROOT, 'package.json')).resolve('tsup/package.json')
    return createRequire(tsup)('esbuild')
  } catch {}
  return fail('esbuild not found (looked in packages/conformance, the root and tsup)')
}

/**
 * Bundles one bench file (its own relative imports included) into an ES module. Bare imports stay
 * imports, but of the absolute `file:` URL they resolve to from the bench file's folder: the output
 * lives outside the package, and a package cannot always resolve itself (`@entangle/core` inside
 * packages/core) from a foreign folder.
 */
async function compile(esbuild, file) {
  const pkg = relative(join(ROOT, 'packages'), file).split(/[\\/]/)[0]
  const outfile = join(OUT_DIR, `${pkg}.${file.split(/[\\/]/).pop().replace(/\.ts$/, '.mjs')}`)
  /** @type {import('esbuild').Plugin} */
  const packagesByPath = {
    name: 'packages-by-path',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'resolving') return undefined
        if (isBuiltin(args.path)) return { path: args.path, external: true }
        const found = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          pluginData: 'resolving',
        })
        if (found.errors.length > 0) return { errors: found.errors }
        return { path: pathToFileURL(found.path).href, external: true }
      })
    },
  }
  await esbuild.build({
    entryPoints: [file],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    plugins: [packagesByPath],
    logLevel: 'silent',
  })
  return outfile
}

/**
 * Runs one compiled bench file in a child process and collects one result line per scenario.
 * Never rejects: a crash or a timeout becomes `error`, next to the results that did arrive.
 * @returns {Promise<{ results: object[], error?: string }>}
 */
function runFileInChild(compiled, quick, filters) {
  const timeoutMs = quick ? SETTINGS.fileTimeoutMs.quick : SETTINGS.fileTimeoutMs.full
  const args = ['--expose-gc', fileURLToPath(import.meta.url), '--child', compiled]
  if (quick) args.push('--quick')
  args.push(...filters)
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  let stdout = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk) => {
    stdout += chunk
  })
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    child.kill('SIGKILL')
    process.stderr.write(`KILLED after ${timeoutMs / 1000} s\n`)
  }, timeoutMs)
  return new Promise((resolve) => {
    child.on('error', (error) => {
      clearTimeout(timer)
      resolve({ results: [], error: `cannot start node: ${error.message}` })
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const results = []
      const stray = []
      for (const line of stdout.split('\n')) {
        if (line.startsWith(RESULT_MARKER))
          results.push(JSON.parse(line.slice(RESULT_MARKER.length)))
        else if (line !== '') stray.push(line)
      }
      // Whatever a scenario printed on stdout is passed on, so it is not lost.
      if (stray.length > 0) process.stderr.write(`${stray.join('\n')}\n`)
      if (timedOut) resolve({ results, error: `killed after ${timeoutMs / 1000} s` })
      else if (code !== 0) resolve({ results, error: `child exited with ${signal ?? code}` })
      else resolve({ results })
    })
  })
}

function formatTable(results) {
  const header = ['scenario', 'unit', 'ours', 'anchor', 'ratio', 'target', 'met', 'anchor is']
  const rows = results.map((r) => [
    r.name,
    r.unit,
    formatNumber(r.ours),
    formatNumber(r.anchor),
    `${r.ratio.toFixed(2)}x`,
    r.target,
    r.met === null ? '?' : r.met ? 'yes' : 'NO',
    r.anchorName,
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)))
  const numeric = new Set([2, 3, 4])
  const line = (cells) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

/** 1234567 -> `1.23M`, 54321 -> `54.3k`, 2449.5 -> `2450`, 7.456 -> `7.46`. */
function formatNumber(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`
  if (n >= 100) return String(Math.round(n))
  return n.toPrecision(3)
}

function cpuName() {
  const all = cpus()
  return `${all.length} x ${all[0]?.model.trim() ?? 'unknown cpu'}`
}

// ---------------------------------------------------------------------------------------------
// Child: load one compiled file, measure its scenarios, print one result line.

/** @param {string[]} args `<compiled file> [--quick] [filters...]` */
async function runChild(args) {
  const [file, ...rest] = args
  const quick = rest.includes('--quick')
  const filters = rest.filter((a) => a !== '--quick')
  const scenarios = validate((await import(pathToFileURL(file).href)).default, file)
  if (filters.includes('--list')) {
    process.stdout.write(
      `${RESULT_MARKER}${JSON.stringify({ names: scenarios.map((s) => s.name) })}\n`,
    )
    process.stdout.write('', () => process.exit(0))
    return
  }
  // `=name` selects one scenario exactly; anything else is a substring of the name.
  const selected = scenarios.filter(
    (s) =>
      filters.length === 0 ||
      filters.some((f) => (f.startsWith('=') ? s.name === f.slice(1) : s.name.includes(f))),
  )
  for (const scenario of selected) {
    process.stderr.write(`  ${scenario.name} ... `)
    const started = performance.now()
    let result
    try {
      result = await measure(scenario, quick)
      const seconds = ((performance.now() - started) / 1000).toFixed(1)
      process.stderr.write(`${result.ratio.toFixed(2)}x (${seconds} s)\n`)
    } catch (error) {
      result = { name: scenario.name, error: messageOf(error) }
      process.stderr.write(`CRASHED (${String(error).split('\n')[0]})\n`)
    }
    // One line per scenario, so what finished survives a later scenario that hangs.
    process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`)
  }
  // Scenarios may leave native handles behind: exit once everything written has been flushed.
  process.stdout.write('', () => process.exit(0))
}

/** Checks the default export's shape and names what is wrong. */
function validate(exported, file) {
  if (!Array.isArray(exported)) {
    throw new TypeError(`${file}: the default export must be an array of scenarios`)
  }
  for (const [i, s] of exported.entries()) {
    const where = `${file}: scenario ${i} (${s?.name ?? 'no name'})`
    for (const key of ['name', 'unit', 'anchorName', 'target']) {
      if (typeof s?.[key] !== 'string') throw new TypeError(`${where}: ${key} must be a string`)
    }
    if (typeof s.higherIsBetter !== 'boolean') {
      throw new TypeError(`${where}: higherIsBetter must be a boolean`)
    }
    for (const key of ['ours', 'anchor']) {
      if (typeof s[key] !== 'function') throw new TypeError(`${where}: ${key} must be a function`)
    }
  }
  return exported
}

/** Warm-up, interleaved measured rounds, medians and the ratio of one scenario. */
async function measure(scenario, quick) {
  const round = async (side) => {
    globalThis.gc?.()
    const value = await scenario[side](quick)
    if (!(Number.isFinite(value) && value > 0)) {
      throw new Error(`${side}() returned ${value}; expected a positive number of ${scenario.unit}`)
    }
    return value
  }
  for (let i = 0; i < SETTINGS.warmupRounds; i++) {
    await round('ours')
    await round('anchor')
  }
  const rounds = quick ? SETTINGS.rounds.quick : SETTINGS.rounds.full
  const ours = []
  const anchor = []
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      ours.push(await round('ours'))
      anchor.push(await round('anchor'))
    } else {
      anchor.push(await round('anchor'))
      ours.push(await round('ours'))
    }
  }
  const oursMedian = median(ours)
  const anchorMedian = median(anchor)
  const ratio = scenario.higherIsBetter ? oursMedian / anchorMedian : anchorMedian / oursMedian
  return {
    name: scenario.name,
    unit: scenario.unit,
    ours: round4(oursMedian),
    anchor: round4(anchorMedian),
    anchorName: scenario.anchorName,
    ratio: round4(ratio),
    target: scenario.target,
    met: targetMet(scenario.target, ratio),
    rounds,
  }
}

/** `>= 10x` -> ratio >= 10; `<= 2x slower` -> ratio >= 0.5; anything else -> null. */
function targetMet(target, ratio) {
  const match = /^\s*(>=|<=)\s*(\d+(?:\.\d+)?)\s*x?\s*(.*)$/.exec(target)
  if (!match) return null
  const [, op, number, rest] = match
  const n = Number(number)
  if (op === '>=') return ratio >= n
  if (/^slower\b/.test(rest ?? '')) return ratio >= 1 / n
  return null
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

function round4(n) {
  return Number(n.toPrecision(4))
}

// ---------------------------------------------------------------------------------------------

function messageOf(error) {
  return error instanceof Error ? (error.stack ?? error.message) : String(error)
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`)
  process.exit(2)
}
