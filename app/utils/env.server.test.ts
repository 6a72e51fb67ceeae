import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { expect, test } from 'vitest'
import { ConfigError, parseEnv } from '#app/utils/env.server.ts'

const key = (fill: number) => Buffer.alloc(32, fill).toString('base64')

function tempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-env-'))
}

test('production refuses to start without SESSION_SECRET and ENCRYPTION_KEYS, naming both', () => {
  expect(() => parseEnv({ NODE_ENV: 'production', DATA_DIR: tempDir() })).toThrow(ConfigError)
  expect(() => parseEnv({ NODE_ENV: 'production', DATA_DIR: tempDir() })).toThrow(/SESSION_SECRET and ENCRYPTION_KEYS/)
})

test('development generates the secrets once into DATA_DIR with mode 0600 and reuses them', () => {
  const dir = tempDir()
  const first = parseEnv({ NODE_ENV: 'development', DATA_DIR: dir })
  expect(first.generatedSecrets).toEqual(['SESSION_SECRET', 'ENCRYPTION_KEYS'])
  const file = path.join(dir, 'dev-secrets.json')
  expect(fs.statSync(file).mode & 0o777).toBe(0o600)
  const second = parseEnv({ NODE_ENV: 'development', DATA_DIR: dir })
  expect(second.generatedSecrets).toEqual([])
  expect(second.SESSION_SECRET).toBe(first.SESSION_SECRET)
  expect(second.ENCRYPTION_KEYS[0]?.key.equals(first.ENCRYPTION_KEYS[0]!.key)).toBe(true)
  expect(first.DATABASE_URL).toBe(`file:${path.join(dir, 'switchboard.db')}`)
})

test('ENCRYPTION_KEYS keeps its order (the first key encrypts) and rejects bad entries with a usable message', () => {
  const env = parseEnv({
    NODE_ENV: 'production',
    SESSION_SECRET: 's'.repeat(40),
    ENCRYPTION_KEYS: `new:${key(2)}, old:${key(1)}`,
  })
  expect(env.ENCRYPTION_KEYS.map((k) => k.id)).toEqual(['new', 'old'])
  for (const bad of ['nokey', `a:${Buffer.alloc(16).toString('base64')}`, `a:${key(1)},a:${key(2)}`, `bad id:${key(1)}`]) {
    expect(() => parseEnv({ NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(40), ENCRYPTION_KEYS: bad })).toThrow(
      /ENCRYPTION_KEYS/,
    )
  }
})

test('PUBLIC_URL must be http(s); https turns on secure cookies; the origin is kept without a path', () => {
  const base = { NODE_ENV: 'production' as const, SESSION_SECRET: 's'.repeat(40), ENCRYPTION_KEYS: `k:${key(3)}` }
  expect(() => parseEnv({ ...base, PUBLIC_URL: 'ftp://example.com' })).toThrow(/PUBLIC_URL/)
  const env = parseEnv({ ...base, PUBLIC_URL: 'https://switchboard.example.com/some/path' })
  expect(env.PUBLIC_URL).toBe('https://switchboard.example.com')
  expect(env.secureCookies).toBe(true)
  expect(parseEnv({ ...base }).secureCookies).toBe(false)
})

test('an error message never repeats a secret value', () => {
  const secret = 'short-secret'
  try {
    parseEnv({ NODE_ENV: 'production', SESSION_SECRET: secret, ENCRYPTION_KEYS: 'k:not-base64-key' })
    expect.unreachable()
  } catch (error) {
    expect(String(error)).not.toContain(secret)
    expect(String(error)).not.toContain('not-base64-key')
  }
})
