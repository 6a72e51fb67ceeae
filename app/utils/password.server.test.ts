import { expect, test } from 'vitest'
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
