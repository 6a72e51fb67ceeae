import { createHash, randomBytes } from 'node:crypto'
import { type Cookie, createCookie } from '@remix-run/node'
import { hmacFor } from '#app/utils/crypto.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { getEnv } from '#app/utils/env.server.ts'

export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000
/** Enough of a User-Agent to tell browsers apart; the rest is noise. */
const USER_AGENT_MAX_LENGTH = 300

/**
 * A cookie of the app's own, made on first use (the environment is read then): httpOnly, SameSite=Lax, path /,
 * and Secure with the __Host- prefix when PUBLIC_URL is https. Its value is not signed: callers store ids or MACs.
 */
export function lazyAppCookie(name: string, maxAgeMs: number): () => Cookie {
  let cookie: Cookie | undefined
  return () => {
    const env = getEnv()
    cookie ??= createCookie(env.secureCookies ? `__Host-${name}` : name, {
      httpOnly: true,
      sameSite: 'lax',
      secure: env.secureCookies,
      path: '/',
      maxAge: maxAgeMs / 1000,
    })
    return cookie
  }
}

/**
 * The session cookie: a random id, httpOnly, SameSite=Lax, Secure (and the __Host- prefix)
 * when PUBLIC_URL is https. The id is not signed: it is only a lookup key, and the
 * database stores an HMAC of it, never the id itself.
 */
const getSessionCookie = lazyAppCookie('sb_session', SESSION_TTL_MS)

/** The database key of a cookie value: HMAC-SHA256 keyed by SESSION_SECRET. */
function sessionKey(cookieValue: string): string {
  return hmacFor('session-id')(cookieValue).toString('hex')
}

async function readSessionCookie(request: Request): Promise<string | null> {
  const value: unknown = await getSessionCookie().parse(request.headers.get('Cookie'))
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : null
}

export type ActiveSession = { sessionKey: string; userId: string; authenticatedAt: Date }

/** The signed-in session of this request, or null (no cookie, unknown or expired). */
export async function getActiveSession(request: Request): Promise<ActiveSession | null> {
  const value = await readSessionCookie(request)
  if (!value) return null
  const key = sessionKey(value)
  const session = await getDb().session.findFirst({
    where: { id: key, expiresAt: { gt: new Date() } },
    select: { userId: true, authenticatedAt: true },
  })
  return session ? { sessionKey: key, ...session } : null
}

/** The signed-in user of this request with their session, in one query; null when there is none. */
export async function getSessionUser(request: Request) {
  const value = await readSessionCookie(request)
  if (!value) return null
  // From the user's side: one statement (a nested select of the session's user would be two).
  const key = sessionKey(value)
  const user = await getDb().user.findFirst({
    where: { sessions: { some: { id: key, expiresAt: { gt: new Date() } } } },
    select: { id: true, email: true, name: true, lastWorkspaceId: true },
  })
  if (user) await noteSessionSeen(key)
  return user
}

/** How stale Session.lastSeenAt may get: Account settings shows it to the minute, not the second. */
export const LAST_SEEN_WRITE_INTERVAL_MS = 5 * 60 * 1000
const LAST_SEEN_MEMORY_LIMIT = 10_000
/** When this instance last wrote lastSeenAt per session key: no write per request, at most one per interval. */
const lastSeenWrites = new Map<string, number>()

async function noteSessionSeen(key: string): Promise<void> {
  const now = Date.now()
  const written = lastSeenWrites.get(key)
  if (written !== undefined && now - written < LAST_SEEN_WRITE_INTERVAL_MS) return
  if (lastSeenWrites.size >= LAST_SEEN_MEMORY_LIMIT) lastSeenWrites.clear()
  lastSeenWrites.set(key, now)
  // Conditional, so other instances (each with its own memory) add at most one write per interval too.
  await getDb().session.updateMany({
    where: { id: key, OR: [{ lastSeenAt: null }, { lastSeenAt: { lt: new Date(now - LAST_SEEN_WRITE_INTERVAL_MS) } }] },
    data: { lastSeenAt: new Date(now) },
  })
}

/** A session's name in pages and forms: derived from its key, so the key itself never reaches the HTML. */
function sessionHandle(key: string): string {
  return createHash('sha256').update(`session-handle:${key}`).digest('hex').slice(0, 32)
}

export type SessionSummary = {
  handle: string
  current: boolean
  userAgent: string | null
  createdAt: Date
  lastSeenAt: Date | null
}

/** The user's signed-in browsers, this one first, then the most recently seen. */
export async function listUserSessions(userId: string, currentKey: string): Promise<SessionSummary[]> {
  const rows = await getDb().session.findMany({
    where: { userId, expiresAt: { gt: new Date() } },
    select: { id: true, userAgent: true, createdAt: true, lastSeenAt: true, authenticatedAt: true },
  })
  return rows
    .map((row) => ({
      handle: sessionHandle(row.id),
      current: row.id === currentKey,
      userAgent: row.userAgent,
      createdAt: row.createdAt,
      lastSeenAt: row.lastSeenAt ?? row.authenticatedAt,
    }))
    .sort((a, b) => Number(b.current) - Number(a.current) || (b.lastSeenAt?.getTime() ?? 0) - (a.lastSeenAt?.getTime() ?? 0))
}

/** Signs out one of the user's other sessions by its handle; false when there is none (or it is this one). */
export async function endUserSession(userId: string, currentKey: string, handle: string): Promise<boolean> {
  const rows = await getDb().session.findMany({ where: { userId, id: { not: currentKey } }, select: { id: true } })
  const target = rows.find((row) => sessionHandle(row.id) === handle)
  if (!target) return false
  const { count } = await getDb().session.deleteMany({ where: { id: target.id, userId } })
  return count > 0
}

/** Signs out every session of the user but this one; returns how many ended. */
export async function endOtherSessions(userId: string, currentKey: string): Promise<number> {
  const { count } = await getDb().session.deleteMany({ where: { userId, id: { not: currentKey } } })
  return count
}

/**
 * Starts a session for `userId` and returns the Set-Cookie header. The caller's previous
 * session (if any) is deleted: a new sign-in always gets a new id (no session fixation).
 */
export async function createSession(request: Request, userId: string): Promise<string> {
  const db = getDb()
  const previous = await readSessionCookie(request)
  if (previous) await db.session.deleteMany({ where: { id: sessionKey(previous) } })
  const value = randomBytes(32).toString('base64url')
  const now = new Date()
  await db.session.create({
    data: {
      id: sessionKey(value),
      userId,
      authenticatedAt: now,
      lastSeenAt: now,
      userAgent: request.headers.get('User-Agent')?.trim().slice(0, USER_AGENT_MAX_LENGTH) || null,
      expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
    },
    select: { id: true },
  })
  return getSessionCookie().serialize(value)
}

/** Deletes this request's session row and returns the Set-Cookie header that clears the cookie. */
export async function destroySession(request: Request): Promise<string> {
  const value = await readSessionCookie(request)
  if (value) await getDb().session.deleteMany({ where: { id: sessionKey(value) } })
  return getSessionCookie().serialize('', { maxAge: 0 })
}
