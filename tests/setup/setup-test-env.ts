import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, expect, vi } from 'vitest'
import { TEST_TMP_DIR, createWorkerDatabase } from '#tests/setup/test-database.ts'

// Test files share their worker's process (isolate: false in vite.config.ts; docs/decisions/020-test-suite-speed.md):
// the packages under node_modules load once per worker instead of once per file. This file runs before each test file
// and starts it as a fresh process would: with the environment the worker started with (a file before it may have set
// OAUTH_TIMEOUT_MS, PUBLIC_URL ...), and with the app's own modules evaluated anew, so getEnv() parses the environment
// again and no module-level cache carries over. The afterAll below ends what the app keeps on globalThis.
const WORKER_ENV_KEY = Symbol.for('switchboard.tests.worker-env')
const worker = globalThis as typeof globalThis & { [WORKER_ENV_KEY]?: Record<string, string | undefined> }
const workerEnv = (worker[WORKER_ENV_KEY] ??= { ...process.env })
// VITEST_* are Vitest's own, set for each file.
for (const key of Object.keys(process.env)) {
  if (!(key in workerEnv) && !key.startsWith('VITEST')) delete process.env[key]
}
for (const [key, value] of Object.entries(workerEnv)) {
  if (!key.startsWith('VITEST') && process.env[key] !== value) process.env[key] = value
}
vi.resetModules()

// Fixed test secrets: never used outside tests.
process.env.NODE_ENV = 'test'
process.env.SESSION_SECRET = 'test-session-secret-0123456789abcdef0123456789'
process.env.ENCRYPTION_KEYS = `test1:${Buffer.alloc(32, 7).toString('base64')}`
process.env.PUBLIC_URL = 'http://127.0.0.1:3000'
process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'silent'
// The local MCP peers listen on 127.0.0.1; every other private address stays refused, so
// the outbound rules are exercised for real (::1, localhost's ::1, 169.254.x, 10.x ...).
process.env.OUTBOUND_ALLOWED_NETWORKS = '127.0.0.1/32'
// New password hashes cost N=2^10 instead of 2^17 (app/utils/password.server.ts honours this only when
// NODE_ENV is test): the suite signs up and signs in hundreds of times. Stored parameters still decide
// verification; password.server.test.ts and the sign-up test check the production cost without it.
process.env.TEST_SCRYPT_LOG2_N = process.env.TEST_SCRYPT_LOG2_N ?? '10'
process.env.DATA_DIR = path.join(TEST_TMP_DIR, `data-${process.env.VITEST_POOL_ID ?? '0'}`)

const kind = process.env.TEST_DB_KIND
beforeAll(async () => {
  if (kind === 'sqlite' || kind === 'postgresql') {
    process.env.DATABASE_URL = await createWorkerDatabase(kind, process.env.VITEST_POOL_ID ?? '0')
  }
})

// The process-wide objects the app keeps on globalThis (app/utils/db.server.ts, app/mcp/transport/sessions.server.ts)
// end with the file, as they would with its process: the next file's database is a new copy, its peers new servers.
// (The logger and the request context hold nothing of a file's own.)
const DB_KEY = '__switchboardDb'
const SESSION_POOL_KEY = Symbol.for('switchboard.mcp-session-pool')
afterAll(async () => {
  const db: unknown = Reflect.get(globalThis, DB_KEY)
  Reflect.deleteProperty(globalThis, DB_KEY)
  Reflect.deleteProperty(globalThis, SESSION_POOL_KEY)
  if (typeof db === 'object' && db !== null && '$disconnect' in db && typeof db.$disconnect === 'function') {
    await db.$disconnect()
  }
})

// A test fails on any unexpected console.error. A test that expects one replaces the spy
// itself (vi.spyOn(console, 'error').mockImplementation(() => {})) and asserts on its calls.
let consoleErrorSpy: ReturnType<typeof vi.spyOn> | undefined
const unexpectedErrors: string[] = []
beforeEach(() => {
  unexpectedErrors.length = 0
  consoleErrorSpy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    unexpectedErrors.push(args.map(String).join(' '))
  })
})
afterEach(() => {
  consoleErrorSpy?.mockRestore()
  expect(unexpectedErrors, 'unexpected console.error').toEqual([])
})
