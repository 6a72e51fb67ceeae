// Device cookies (OWASP Authentication Cheat Sheet; "Slow down online guessing attacks with device
// cookies"): a browser that signed in to an account before is not slowed by that account's
// account-wide failure counter, so guesses from elsewhere cannot keep the owner out
// (docs/decisions/012-sign-in-throttling.md).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import { normalizeEmail } from '#app/utils/auth.server.ts'
import { hmacFor } from '#app/utils/crypto.server.ts'
import { lazyAppCookie } from '#app/utils/session.server.ts'

/** How long a browser stays known after its last successful sign-in (browsers cap cookies at 400 days). */
const DEVICE_COOKIE_TTL_MS = 365 * 24 * 60 * 60 * 1000

/** A browser used by several people keeps the accounts it signed in to most recently, up to this many. */
const MAX_ACCOUNTS_PER_DEVICE = 5

/** One account on one device: `<nonce>.<HMAC(nonce, email)>`, both base64url. Holds no email. */
const DeviceTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/)
const DeviceCookieSchema = z.array(z.unknown()).max(50)

const getDeviceCookie = lazyAppCookie('sb_device', DEVICE_COOKIE_TTL_MS)

function macOf(nonce: string, email: string): Buffer {
  return hmacFor('device-cookie')(`${nonce}\n${normalizeEmail(email)}`)
}

async function readTokens(request: Request): Promise<string[]> {
  const raw: unknown = await getDeviceCookie().parse(request.headers.get('Cookie'))
  const parsed = DeviceCookieSchema.safeParse(raw)
  if (!parsed.success) return []
  return parsed.data.flatMap((item) => {
    const token = DeviceTokenSchema.safeParse(item)
    return token.success ? [token.data] : []
  })
}

function tokenIsFor(token: string, email: string): boolean {
  const [nonce = '', mac = ''] = token.split('.')
  const expected = macOf(nonce, email)
  const given = Buffer.from(mac, 'base64url')
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/**
 * The id of this browser for `email` when it presents a valid device token for that account (issued
 * by `deviceCookieFor` after a successful sign-in); null otherwise (none, forged, another account's).
 * The id is a hash: it names a throttle counter and cannot be turned back into the cookie.
 */
export async function knownDeviceId(request: Request, email: string): Promise<string | null> {
  const token = (await readTokens(request)).find((candidate) => tokenIsFor(candidate, email))
  if (!token) return null
  return createHash('sha256').update(`${normalizeEmail(email)}\n${token.split('.')[0]}`).digest('hex')
}

/**
 * The Set-Cookie header that marks this browser as known for `email` after a successful sign-in.
 * A token it already holds for the account is kept (and moved first); other accounts' tokens stay.
 */
export async function deviceCookieFor(request: Request, email: string): Promise<string> {
  const tokens = await readTokens(request)
  const own = tokens.find((token) => tokenIsFor(token, email))
  let token = own
  if (!token) {
    const nonce = randomBytes(16).toString('base64url')
    token = `${nonce}.${macOf(nonce, email).toString('base64url')}`
  }
  const others = tokens.filter((candidate) => candidate !== token)
  return getDeviceCookie().serialize([token, ...others].slice(0, MAX_ACCOUNTS_PER_DEVICE))
}
