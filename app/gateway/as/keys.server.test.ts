import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto'
import { afterEach, expect, test, vi } from 'vitest'
import { cookieKeys, signingJwk } from '#app/gateway/as/keys.server.ts'

// The authorization server's keys come from SESSION_SECRET alone, so every instance has the same ones (a consent
// started on one instance finishes on another) and a new secret gives new keys.

afterEach(() => {
  vi.unstubAllEnvs()
})

test('the same SESSION_SECRET gives the same cookie keys and signing key; another gives others', async () => {
  const first = { cookies: cookieKeys(), jwk: signingJwk() }
  expect({ cookies: cookieKeys(), jwk: signingJwk() }).toEqual(first)
  // A fresh module graph parses the environment again (getEnv caches it per module instance).
  vi.stubEnv('SESSION_SECRET', 'another-session-secret-0123456789abcdef0123')
  vi.resetModules()
  const fresh = await import('#app/gateway/as/keys.server.ts')
  expect(fresh.cookieKeys()).not.toEqual(first.cookies)
  expect(fresh.signingJwk().d).not.toBe(first.jwk.d)
})

test('the signing key is a working EC P-256 key pair', () => {
  const jwk = signingJwk()
  const privateKey = createPrivateKey({ key: jwk, format: 'jwk' })
  const { d: _d, ...publicJwk } = jwk
  const publicKey = createPublicKey({ key: publicJwk, format: 'jwk' })
  const signature = sign('sha256', Buffer.from('switchboard'), privateKey)
  expect(verify('sha256', Buffer.from('switchboard'), publicKey, signature)).toBe(true)
  expect(cookieKeys()[0]).not.toBe(jwk.d)
})
