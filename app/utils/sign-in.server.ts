// Signing in with a password, with the growing delays of docs/decisions/012-sign-in-throttling.md.
import { accountAddressThrottleKey, accountThrottleKey, verifyLogin } from '#app/utils/auth.server.ts'
import { deviceCookieFor, knownDeviceId } from '#app/utils/device-cookie.server.ts'
import { createSession } from '#app/utils/session.server.ts'
import {
  LOGIN_FAILURES_PER_ACCOUNT,
  LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS,
  LOGIN_FAILURES_PER_ACCOUNT_AND_DEVICE,
  LOGIN_FAILURES_PER_ADDRESS,
  releaseAttempt,
  reserveAttempts,
  resetThrottle,
} from '#app/utils/throttle.server.ts'

export type SignInOutcome =
  /** Signed in: the new session's cookie and this browser's device cookie. */
  | { ok: true; cookies: [session: string, device: string] }
  /** Too many failures: nothing was checked; wait this long. */
  | { ok: false; reason: 'throttled'; retryAfterMs: number }
  | { ok: false; reason: 'wrong' }

/**
 * Checks an email and password from `address`. A browser that signed in to this account before
 * (a valid device cookie) has its own counter and skips the account-wide one, so guesses from
 * elsewhere never keep the owner out. Any other attempt counts against this account from this
 * address (strict) and from anywhere (loose, short delays). Every attempt counts against its
 * address (credential stuffing across accounts). A sign-in over an existing session replaces it
 * (createSession deletes it), so a session planted in this browser never survives.
 */
export async function signIn(request: Request, input: { email: string; password: string; address: string }): Promise<SignInOutcome> {
  const { email, password, address } = input
  const deviceId = await knownDeviceId(request, email)
  const ownKey = deviceId ? `login-account-device:${deviceId}` : accountAddressThrottleKey(email, address)
  const addressCounter = { key: `login-ip:${address}`, rule: LOGIN_FAILURES_PER_ADDRESS }
  const counters = deviceId
    ? [{ key: ownKey, rule: LOGIN_FAILURES_PER_ACCOUNT_AND_DEVICE }, addressCounter]
    : [
        { key: ownKey, rule: LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS },
        { key: accountThrottleKey(email), rule: LOGIN_FAILURES_PER_ACCOUNT },
        addressCounter,
      ]
  // The attempt is counted as a failure before the password is checked, in one conditional statement
  // per counter: of parallel guesses only as many as the counters allow reach the password. A refused
  // attempt counts nothing, so waiting is all it takes, and the guesser learns nothing about the password.
  const reserved = await reserveAttempts(counters)
  if (!reserved.ok) return { ok: false, reason: 'throttled', retryAfterMs: reserved.retryAfterMs }
  const userId = await verifyLogin(email, password)
  if (!userId) return { ok: false, reason: 'wrong' }
  // This browser's (or address's) count for the account starts over. The other counters only take
  // back this attempt: failures from elsewhere are someone else's, and keep slowing them.
  await resetThrottle(ownKey)
  for (const reservation of reserved.reservations) if (reservation.key !== ownKey) await releaseAttempt(reservation)
  return { ok: true, cookies: [await createSession(request, userId), await deviceCookieFor(request, email)] }
}
