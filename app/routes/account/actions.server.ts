// Account settings' action, after route.tsx parsed the form and checked who asks: one use case per intent.
import type { SubmissionResult } from '@conform-to/react'
import { data } from '@remix-run/node'
import { confirmPassword, setPassword } from '#app/models/account.server.ts'
import type { AccountForm, AccountIntent } from '#app/routes/account/form-schema.ts'
import { AccountDeletionError, deleteAccount } from '#app/servers/account-deletion.server.ts'
import type { SignedInUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { destroySession, endOtherSessions, endUserSession } from '#app/utils/session.server.ts'
import { describeWait } from '#app/utils/throttle.server.ts'

export type AccountRequest = {
  request: Request
  user: SignedInUser
  sessionKey: string
  reply: (options: { formErrors?: string[]; fieldErrors?: Record<string, string[]> }) => SubmissionResult
}

/** A 400 (or 429) with the form's reply, tagged with its intent so the page shows it on the right form. */
export function rejectWith(intent: AccountIntent, result: SubmissionResult, status = 400, headers?: HeadersInit) {
  return data({ intent, result }, { status, headers })
}

/** Runs the use case of one (valid) submission and redirects with what happened. */
export async function runAccountIntent(value: AccountForm, { request, user, sessionKey, reply }: AccountRequest) {
  const done = (message: string) => redirectWithFlash('/account', { kind: 'success', message })
  switch (value.intent) {
    case 'change-password': {
      const check = await confirmPassword(user.id, value.currentPassword)
      if (!check.ok) return refusePassword(value.intent, check, reply, 'currentPassword')
      await setPassword(user.id, value.newPassword, sessionKey)
      // Whoever knew the old password is signed out everywhere else.
      const ended = await endOtherSessions(user.id, sessionKey)
      return done(ended > 0 ? `Password changed. ${ended} other session${ended === 1 ? ' was' : 's were'} signed out.` : 'Password changed.')
    }
    case 'end-session':
      return (await endUserSession(user.id, sessionKey, value.session))
        ? done('That session is signed out.')
        : redirectWithFlash('/account', { kind: 'info', message: 'That session had already ended.' })
    case 'end-other-sessions': {
      const ended = await endOtherSessions(user.id, sessionKey)
      return done(ended > 0 ? `Signed out ${ended} other session${ended === 1 ? '' : 's'}.` : 'There were no other sessions.')
    }
    case 'delete-account': {
      const check = await confirmPassword(user.id, value.password)
      if (!check.ok) return refusePassword(value.intent, check, reply, 'password')
      try {
        await deleteAccount(user)
      } catch (error) {
        if (!(error instanceof AccountDeletionError)) throw error
        return rejectWith(value.intent, reply({ formErrors: [error.message] }))
      }
      return redirectWithFlash('/', { kind: 'success', message: 'Your account is deleted. Goodbye!' }, { headers: { 'Set-Cookie': await destroySession(request) } })
    }
  }
}

function refusePassword(
  intent: AccountIntent,
  check: { reason: 'wrong' } | { reason: 'throttled'; retryAfterMs: number },
  reply: AccountRequest['reply'],
  field: string,
) {
  if (check.reason === 'wrong') return rejectWith(intent, reply({ fieldErrors: { [field]: ['This is not your current password'] } }))
  const message = `Too many wrong passwords. Wait ${describeWait(check.retryAfterMs)}, then try again.`
  return rejectWith(intent, reply({ formErrors: [message] }), 429, { 'Retry-After': String(Math.ceil(check.retryAfterMs / 1000)) })
}
