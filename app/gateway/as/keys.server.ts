import { createECDH, hkdfSync } from 'node:crypto'
import { getEnv } from '#app/utils/env.server.ts'

/**
 * The authorization server's keys, derived from SESSION_SECRET with HKDF (docs/decisions/033): every instance has the
 * same ones without any start-up coordination, and nothing more is stored. Rotating SESSION_SECRET rotates them too,
 * which only ends consents in progress (their cookies no longer verify); issued tokens are opaque and stay valid.
 */

function derive(purpose: string, bytes = 32): Buffer {
  return Buffer.from(hkdfSync('sha256', getEnv().SESSION_SECRET, 'switchboard authorization server', purpose, bytes))
}

/** The keys that sign oidc-provider's cookies (interaction, resume, session). */
export function cookieKeys(): string[] {
  return [derive('cookie keys v1').toString('base64url')]
}

/**
 * The provider's one signing key, an EC P-256 JWK. Switchboard issues no ID tokens or JWTs (opaque access tokens
 * only), but oidc-provider needs a key to start and to accept `ES256` client metadata.
 */
export function signingJwk(): Record<string, string> {
  const d = derive('signing key v1')
  const ecdh = createECDH('prime256v1')
  ecdh.setPrivateKey(d)
  const point = ecdh.getPublicKey()
  return {
    kty: 'EC',
    crv: 'P-256',
    d: d.toString('base64url'),
    x: point.subarray(1, 33).toString('base64url'),
    y: point.subarray(33, 65).toString('base64url'),
    alg: 'ES256',
    use: 'sig',
    kid: derive('signing key id v1', 8).toString('hex'),
  }
}
