import http from 'node:http'
import { expect, test } from 'vitest'
import { type BodyRead, bodyLimitFor, readActionBody } from '#app/server/request-body.ts'
import { formatBytes } from '#app/utils/guarded-fetch-errors.server.ts'
import { ConfigError, parseEnv } from '#app/utils/env.server.ts'

const production = { NODE_ENV: 'production' as const, SESSION_SECRET: 's'.repeat(40), ENCRYPTION_KEYS: `k:${Buffer.alloc(32, 1).toString('base64')}` }

test('MAX_REQUEST_BODY_BYTES is 1 MiB by default and refuses values outside 64 KiB to 16 MiB, naming itself', () => {
  expect(parseEnv(production).MAX_REQUEST_BODY_BYTES).toBe(1024 * 1024)
  expect(parseEnv({ ...production, MAX_REQUEST_BODY_BYTES: '2097152' }).MAX_REQUEST_BODY_BYTES).toBe(2 * 1024 * 1024)
  for (const bad of ['1000', String(32 * 1024 * 1024), 'a lot', '1.5']) {
    expect(() => parseEnv({ ...production, MAX_REQUEST_BODY_BYTES: bad }), bad).toThrow(ConfigError)
    expect(() => parseEnv({ ...production, MAX_REQUEST_BODY_BYTES: bad }), bad).toThrow(/MAX_REQUEST_BODY_BYTES/)
  }
})

test('a tool run, as a page or a single-fetch request, may send four times the form limit; nothing else may', () => {
  const limit = 1024 * 1024
  expect(bodyLimitFor('/w/ws1/servers/s1/tools/echo', limit)).toBe(4 * limit)
  expect(bodyLimitFor('/w/ws1/servers/s1/tools/say%2Fhello.data', limit)).toBe(4 * limit)
  for (const path of ['/login', '/login.data', '/w/ws1/servers/s1', '/w/ws1/servers/s1/tools/echo/more', '/w/ws1/tools']) {
    expect(bodyLimitFor(path, limit), path).toBe(limit)
  }
  expect(formatBytes(1024 * 1024)).toBe('1 MiB')
  expect(formatBytes(64 * 1024)).toBe('64 KiB')
  expect(formatBytes(1.5 * 1024 * 1024)).toBe('1.5 MiB')
})

test('a client that goes away in the middle of its body is let go, with nothing to answer and no error', async () => {
  let read: Promise<BodyRead> | undefined
  const server = http.createServer((req) => {
    read = readActionBody(req, 1024 * 1024)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const address = server.address()
    const port = typeof address === 'object' && address ? address.port : 0
    const request = http.request({ host: '127.0.0.1', port, method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })
    request.on('error', () => {})
    request.write(Buffer.alloc(100_000, 'a'))
    // (A boolean: poll would await the promise itself.)
    await expect.poll(() => read !== undefined).toBe(true)
    request.destroy()
    expect(await read).toEqual({ kind: 'gone' })
  } finally {
    server.close()
  }
})
