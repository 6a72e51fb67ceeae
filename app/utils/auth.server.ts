import { createHash } from 'node:crypto'
import { redirect } from '@remix-run/node'
import { getDb, isUniqueViolation } from '#app/utils/db.server.ts'
import { hashPassword, verifyAgainstDummy, verifyPassword } from '#app/utils/password.server.ts'
import { safeRedirectPath } from '#app/utils/redirect.ts'
import { memoizeForRequest } from '#app/utils/request-context.server.ts'
import { getActiveSession, getSessionUser } from '#app/utils/session.server.ts'

export type SignedInUser = { id: string; email: string; name: string; lastWorkspaceId: string | null }

/** Emails are compared trimmed and lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}

/** The throttle key of an account: a hash, so the throttle table holds no email addresses. */
export function accountThrottleKey(email: string): string {
  return `login-account:${createHash('sha256').update(normalizeEmail(email)).digest('hex')}`
}

/** The throttle key of an account tried from one address: hashed too, so no email sits next to an address. */
export function accountAddressThrottleKey(email: string, address: string): string {
  return `login-account-ip:${createHash('sha256').update(`${normalizeEmail(email)}\n${address}`).digest('hex')}`
}

/**
 * The signed-in user, or null. A page's loaders (root, layout, route) all ask: a GET answers them from one lookup
 * (memoizeForRequest; not for other methods, where an action may change the answer).
 */
export function getUser(request: Request): Promise<SignedInUser | null> {
  return memoizeForRequest('signed-in-user', () => getSessionUser(request))
}

function loginRedirect(request: Request): Response {
  const url = new URL(request.url)
  const here = safeRedirectPath(url.pathname + url.search, '/')
  const search = here === '/' ? '' : `?${new URLSearchParams({ redirectTo: here })}`
  return redirect(`/login${search}`)
}

/** The signed-in user. Throws a redirect to /login (with a safe redirectTo) when there is none. */
export async function requireUser(request: Request): Promise<SignedInUser> {
  const user = await getUser(request)
  if (!user) throw loginRedirect(request)
  return user
}

/** Throws a redirect to "/" when someone is already signed in (sign-in and sign-up pages). */
export async function requireAnonymous(request: Request): Promise<void> {
  if (await getActiveSession(request)) throw redirect('/')
}

/** The user id when `email` and `password` match an account; null otherwise, in constant-ish time. */
export async function verifyLogin(email: string, password: string): Promise<string | null> {
  const user = await getDb().user.findUnique({
    where: { email: normalizeEmail(email) },
    select: { id: true, passwordHash: true },
  })
  if (!user) return verifyAgainstDummy(password).then(() => null)
  return (await verifyPassword(password, user.passwordHash)) ? user.id : null
}

export class EmailTakenError extends Error {
  override name = 'EmailTakenError'
}

/**
 * Creates an account with its personal workspace (the user is its owner) in one transaction.
 * Throws EmailTakenError when the email has an account (also when another request won a race).
 */
export async function createAccount(input: { email: string; name: string; password: string }) {
  return createAccountWithHash({ email: input.email, name: input.name, passwordHash: await hashPassword(input.password) })
}

/** createAccount with the password already hashed (by `hashPassword`). */
export async function createAccountWithHash(input: { email: string; name: string; passwordHash: string }) {
  const email = normalizeEmail(input.email)
  const { passwordHash } = input
  const db = getDb()
  try {
    return await db.$transaction(async (tx) => {
      const user = await tx.user.create({ data: { email, name: input.name.trim(), passwordHash }, select: { id: true } })
      const workspace = await tx.workspace.create({
        data: {
          name: `${input.name.trim()}'s workspace`,
          personal: true,
          memberships: { create: { userId: user.id, role: 'owner' } },
        },
        select: { id: true },
      })
      await tx.user.update({ where: { id: user.id }, data: { lastWorkspaceId: workspace.id }, select: { id: true } })
      return { userId: user.id, workspaceId: workspace.id }
    })
  } catch (error) {
    if (isUniqueViolation(error)) throw new EmailTakenError('An account with this email already exists')
    throw error
  }
}

