import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

/**
 * scrypt parameters for new hashes (OWASP: N=2^17, r=8, p=1). They are stored in each hash,
 * so raising them later keeps old hashes verifiable.
 */
const SCRYPT_N = 2 ** 17
const SCRYPT_R = 8
const SCRYPT_P = 1
const KEY_LENGTH_BYTES = 32
const SALT_LENGTH_BYTES = 16
/** Refuse absurd parameters in stored hashes (a tampered row must not exhaust memory). */
const MAX_SCRYPT_MEMORY_BYTES = 256 * 1024 * 1024

/**
 * The N for new hashes: SCRYPT_N, except in the test run (NODE_ENV=test), where TEST_SCRYPT_LOG2_N may lower
 * it so that the hundreds of sign-ups and sign-ins of the suite do not each spend ~0.4 s and 128 MiB
 * (tests/setup/setup-test-env.ts sets it; password.server.test.ts checks the production cost without it).
 * Read on every call, so a test can remove it; production never reads it.
 */
function costForNewHashes(): number {
  if (process.env.NODE_ENV !== 'test') return SCRYPT_N
  const log2 = Number(process.env.TEST_SCRYPT_LOG2_N)
  return Number.isInteger(log2) && log2 >= 10 && log2 < 17 ? 2 ** log2 : SCRYPT_N
}

function deriveKey(password: string, salt: Buffer, n: number, r: number, p: number, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, length, { N: n, r, p, maxmem: MAX_SCRYPT_MEMORY_BYTES }, (error, key) =>
      error ? reject(error) : resolve(key),
    )
  })
}

/** Hashes a password with scrypt; the result is `scrypt$N$r$p$salt$hash` (base64url). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH_BYTES)
  const n = costForNewHashes()
  const key = await deriveKey(password, salt, n, SCRYPT_R, SCRYPT_P, KEY_LENGTH_BYTES)
  return ['scrypt', n, SCRYPT_R, SCRYPT_P, salt.toString('base64url'), key.toString('base64url')].join('$')
}

/** True when `password` matches `stored`; false for a wrong password or a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, saltText, keyText, ...rest] = stored.split('$')
  if (scheme !== 'scrypt' || rest.length > 0 || !saltText || !keyText) return false
  const params = [Number(n), Number(r), Number(p)] as const
  if (!params.every((value) => Number.isSafeInteger(value) && value > 0)) return false
  const expected = Buffer.from(keyText, 'base64url')
  if (expected.length === 0) return false
  try {
    const actual = await deriveKey(password, Buffer.from(saltText, 'base64url'), ...params, expected.length)
    return timingSafeEqual(actual, expected)
  } catch {
    return false
  }
}

let dummyHash: Promise<string> | undefined

/**
 * Spends the same time as a real verification; used when the account does not exist so
 * that response time does not tell which emails have accounts.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'))
  await verifyPassword(password, await dummyHash)
  return false
}
