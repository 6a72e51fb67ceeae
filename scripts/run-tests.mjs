#!/usr/bin/env node
// `npm test`: every check, in order, with one summary at the end.
// Runs all steps even when one fails (so one run shows everything), exits 1 if any failed,
// and ends with the plain line "N passed, N failed" that CI reads.
import { spawnSync } from 'node:child_process'
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
  { name: 'typecheck', cmd: 'npx', args: ['tsc', '-p', '.'] },
  { name: 'lint', cmd: 'npm', args: ['run', '--silent', 'lint'] },
  {
    name: 'vitest',
    cmd: 'npx',
    args: ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`],
  },
  { name: 'build', cmd: 'npm', args: ['run', '--silent', 'build'] },
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

const results = []
for (const step of steps) {
  console.log(`\n=== ${step.name}: ${[step.cmd, ...step.args].join(' ')}`)
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
