#!/usr/bin/env node
// `npm test`: every check, in order, with one summary at the end.
// Runs all steps even when one fails (so one run shows everything), exits 1 if any failed,
// and ends with the plain line "N passed, N failed" that CI reads.
// Typecheck, lint and build need nothing from each other and each keeps about one core busy: they run at the same
// time, their output held and printed whole, step by step (docs/decisions/020-test-suite-speed.md).
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

const tmp = path.resolve('tests/.tmp')
fs.mkdirSync(tmp, { recursive: true })
const vitestJson = path.join(tmp, 'vitest-report.json')
const playwrightJson = path.join(tmp, 'playwright-report.json')
for (const file of [vitestJson, playwrightJson]) fs.rmSync(file, { force: true })

const only = process.argv.slice(2)
const steps = [
  { name: 'browser', cmd: 'bash', args: ['scripts/ensure-test-deps.sh'] },
  { name: 'typecheck', cmd: 'npx', args: ['tsc', '-p', '.'], together: true },
  { name: 'lint', cmd: 'npm', args: ['run', '--silent', 'lint'], together: true },
  { name: 'build', cmd: 'npm', args: ['run', '--silent', 'build'], together: true },
  {
    name: 'vitest',
    cmd: 'npx',
    args: ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`],
  },
  {
    name: 'playwright',
    cmd: 'npx',
    args: ['playwright', 'test', '--config', 'tests/playwright.config.ts', '--reporter=list,json'],
    env: { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson },
  },
].filter((step) => only.length === 0 || only.includes(step.name))

if (!process.env.TEST_DATABASE_URL) {
  console.log('Note: TEST_DATABASE_URL is not set, so the PostgreSQL test project is skipped (CI sets it).')
}

/** Runs a step with its output held; resolves with its result and what it printed. */
function runHeld(step) {
  return new Promise((resolve) => {
    const started = Date.now()
    const child = spawn(step.cmd, step.args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...step.env } })
    const output = []
    child.stdout.on('data', (chunk) => output.push(chunk))
    child.stderr.on('data', (chunk) => output.push(chunk))
    child.on('error', (error) => output.push(Buffer.from(`${error.message}\n`)))
    child.on('close', (code) =>
      resolve({ name: step.name, ok: code === 0, seconds: (Date.now() - started) / 1000, output: Buffer.concat(output) }),
    )
  })
}

const header = (step) => `\n=== ${step.name}: ${[step.cmd, ...step.args].join(' ')}`
const results = []
for (let index = 0; index < steps.length; index++) {
  const step = steps[index]
  if (step.together) {
    const group = [step]
    while (steps[index + 1]?.together) group.push(steps[++index])
    const started = Date.now()
    for (const result of await Promise.all(group.map(runHeld))) {
      console.log(header(group.find((s) => s.name === result.name)))
      process.stdout.write(result.output)
      results.push({ name: result.name, ok: result.ok, seconds: result.seconds })
    }
    if (group.length > 1) console.log(`(${group.map((s) => s.name).join(', ')} ran together: ${((Date.now() - started) / 1000).toFixed(1)} s)`)
    continue
  }
  console.log(header(step))
  const started = Date.now()
  const run = spawnSync(step.cmd, step.args, { stdio: 'inherit', env: { ...process.env, ...step.env } })
  results.push({ name: step.name, ok: run.status === 0, seconds: (Date.now() - started) / 1000 })
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch {
    return null
  }
}

let passed = 0
let failed = 0
let skipped = 0
const vitest = readJson(vitestJson)
if (vitest) {
  passed += vitest.numPassedTests
  failed += vitest.numFailedTests
  skipped += vitest.numPendingTests + vitest.numTodoTests
}
const playwright = readJson(playwrightJson)
if (playwright) {
  passed += playwright.stats.expected
  failed += playwright.stats.unexpected + playwright.stats.flaky
  skipped += playwright.stats.skipped
}

console.log('\n=== summary')
for (const result of results) {
  console.log(`${result.ok ? 'ok    ' : 'FAILED'} ${result.name.padEnd(10)} ${result.seconds.toFixed(1)} s`)
}
if (vitest) console.log(`vitest: ${vitest.numPassedTests} passed, ${vitest.numFailedTests} failed`)
if (playwright) console.log(`playwright: ${playwright.stats.expected} passed, ${playwright.stats.unexpected} failed, ${playwright.stats.flaky} flaky`)
const stepFailures = results.filter((result) => !result.ok).length
// A failed step without a test report (typecheck, lint, build) still counts as a failure.
const failedSteps = results.filter((r) => !r.ok && !['vitest', 'playwright'].includes(r.name)).length
console.log(`${passed} passed, ${failed + failedSteps} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(stepFailures > 0 ? 1 : 0)
