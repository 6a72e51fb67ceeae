import { expect, test, vi } from 'vitest'
import { hashPassword, verifyPassword } from '#app/utils/password.server.ts'

test('a hash verifies the same password and no other; each hash has its own salt', async () => {
  const first = await hashPassword('correct horse battery staple')
  const second = await hashPassword('correct horse battery staple')
  expect(first).not.toBe(second)
  expect(await verifyPassword('correct horse battery staple', first)).toBe(true)
  expect(await verifyPassword('correct horse battery stapler', first)).toBe(false)
})

test('malformed or tampered hashes verify nothing instead of throwing', async () => {
  const hash = await hashPassword('some password 123')
  const parts = hash.split('$')
  for (const bad of [
    '',
    'bcrypt$whatever',
    parts.slice(0, 5).join('$'),
    [...parts.slice(0, 1), '0', ...parts.slice(2)].join('$'),
    // A huge N must not be honoured (memory exhaustion).
    [...parts.slice(0, 1), String(2 ** 30), ...parts.slice(2)].join('$'),
  ]) {
    expect(await verifyPassword('some password 123', bad)).toBe(false)
  }
})

test('new hashes use the production cost (N=2^17, r=8, p=1) unless the test run lowers it; either verifies', async () => {
  // tests/setup/setup-test-env.ts lowers the cost for the suite; without that override the production cost applies.
  const cheap = await hashPassword('cost check')
  vi.stubEnv('TEST_SCRYPT_LOG2_N', undefined)
  const production = await hashPassword('cost check')
  expect(production).toMatch(/^scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}$/)
  expect(await verifyPassword('cost check', production)).toBe(true)
  expect(await verifyPassword('cost check', cheap)).toBe(true)
  // Outside the test run the override is ignored altogether.
  vi.stubEnv('TEST_SCRYPT_LOG2_N', '10')
  vi.stubEnv('NODE_ENV', 'production')
  expect(await hashPassword('cost check')).toMatch(/^scrypt\$131072\$8\$1\$/)
})
