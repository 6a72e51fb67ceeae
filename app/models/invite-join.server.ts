// Joining a workspace from an invite link: with a new account, by signing in, or while signed in.
import { type AcceptOutcome, acceptInvite } from '#app/models/invite.server.ts'
import { EmailTakenError, createAccount } from '#app/utils/auth.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { signIn } from '#app/utils/sign-in.server.ts'
import { createSession } from '#app/utils/session.server.ts'
import { SIGNUPS_PER_IP, recordThrottledEvent, throttleRetryAfterMs } from '#app/utils/throttle.server.ts'

export type JoinOutcome =
  | { ok: true; accepted: AcceptOutcome; cookies: string[] }
  | { ok: false; reason: 'throttled'; retryAfterMs: number }
  | { ok: false; reason: 'email_taken' | 'wrong_password' }

/**
 * Counts a sign-up attempt from `address` against the same counter as /signup, invalid forms included
 * (call it before validating). Returns how long to wait when the address is over its limit, else 0.
 */
export async function countSignUpAttempt(address: string): Promise<number> {
  const ipKey = `signup-ip:${address}`
  const retryAfterMs = await throttleRetryAfterMs(ipKey, SIGNUPS_PER_IP)
  if (retryAfterMs > 0) return retryAfterMs
  await recordThrottledEvent(ipKey, SIGNUPS_PER_IP)
  return 0
}

/**
 * Signs up and uses the invite (the caller counted the attempt: countSignUpAttempt). The new account keeps
 * its personal workspace; the invite decides where it lands.
 */
export async function joinWithNewAccount(
  request: Request,
  input: { token: string; name: string; email: string; password: string },
): Promise<JoinOutcome> {
  let userId: string
  try {
    userId = (await createAccount(input)).userId
  } catch (error) {
    if (error instanceof EmailTakenError) return { ok: false, reason: 'email_taken' }
    throw error
  }
  const accepted = await acceptInvite(input.token, { id: userId, name: input.name.trim(), email: input.email })
  return { ok: true, accepted, cookies: [await createSession(request, userId)] }
}

/** Signs in with an existing account (the sign-in throttle applies) and uses the invite. */
export async function joinWithSignIn(
  request: Request,
  input: { token: string; email: string; password: string; address: string },
): Promise<JoinOutcome> {
  const outcome = await signIn(request, input)
  if (!outcome.ok) return outcome.reason === 'throttled' ? outcome : { ok: false, reason: 'wrong_password' }
  const user = await getDb().user.findUniqueOrThrow({ where: { email: input.email }, select: { id: true, name: true, email: true } })
  return { ok: true, accepted: await acceptInvite(input.token, user), cookies: outcome.cookies }
}
