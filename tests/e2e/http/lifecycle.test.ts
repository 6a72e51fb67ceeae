// The production server as an operator meets it: refusing to start without secrets, and
// stopping cleanly on SIGTERM. Runs the built server (npm test builds before Playwright).
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { expect, test } from '#tests/fixtures.ts'

const PORT = Number(process.env.E2E_LIFECYCLE_PORT ?? 3190)

function startServer(env: Record<string, string>) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-lifecycle-'))
  const child = spawn(process.execPath, ['build/server-main.js'], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(PORT), DATA_DIR: dataDir, PUBLIC_URL: `http://127.0.0.1:${PORT}`, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, exited, output: () => output, dataDir }
}

test('in production the server refuses to start without its secrets and says which', async () => {
  const server = startServer({})
  expect(await server.exited).toBe(1)
  expect(server.output()).toContain('Refusing to start in production without SESSION_SECRET and ENCRYPTION_KEYS')
})

test('SIGTERM stops the server cleanly after it has served', async ({ request }) => {
  const server = startServer({
    SESSION_SECRET: 'lifecycle-session-secret-0123456789abcdef0123',
    ENCRYPTION_KEYS: `l1:${Buffer.alloc(32, 3).toString('base64')}`,
  })
  await expect.poll(() => server.output(), { timeout: 20_000 }).toContain('Switchboard is listening')
  const health = await request.get(`http://127.0.0.1:${PORT}/healthz`)
  expect(health.status()).toBe(200)
  server.child.kill('SIGTERM')
  expect(await server.exited).toBe(0)
  expect(server.output()).toContain('shutting down')
  expect(server.output()).toContain('"msg":"stopped"')
  // The database it created on first start is there (SQLite file in DATA_DIR).
  expect(fs.existsSync(path.join(server.dataDir, 'switchboard.db'))).toBe(true)
})
