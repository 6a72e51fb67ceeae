import { expect } from 'vitest'
import { loader as healthLoader } from '#app/routes/healthz.ts'
import { type ServerSummary } from '#app/models/server.server.ts'
import { callServerTool } from '#app/mcp/tools.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { type FaultKind } from '#tests/faults/fault-peer.ts'

// What every fault case checks: the sentence a person sees, the stored credentials, and that the
// rest of the app keeps answering.

/** What a person should read for each fault, whatever the step (a sentence that names the cause). */
export const MESSAGE_FOR_FAULT: Record<FaultKind, RegExp> = {
  down: /refused|could not reach|unreachable/i,
  hang: /in time|did not answer/i,
  status500: /unavailable|server error|HTTP 500/i,
  garbage: /could not use|not usable|not valid|not with MCP|not an MCP|unexpected content type/i,
  truncated: /broke off|could not use|not usable|closed unexpectedly|not with MCP/i,
  huge: /more data|larger than|too large/i,
}

/**
 * A message for a person: one or more sentences, no stack trace or exception name, no markup,
 * and none of `secrets` (tokens, client secret, code, state).
 */
export function expectClearMessage(message: unknown, secrets: ReadonlyArray<string | null | undefined> = []) {
  expect(typeof message).toBe('string')
  const text = String(message)
  expect(text.length, text).toBeGreaterThan(15)
  expect(text.length, text).toBeLessThan(800)
  // A sentence may start with the host it is about: "127.0.0.1:4000 refused the connection."
  expect(text, 'starts like a sentence').toMatch(/^[A-Z0-9“"]/)
  expect(text, 'ends like a sentence').toMatch(/[.!?”)]$/)
  expect(text, 'no stack trace').not.toMatch(/\n\s+at\s|\bat [\w$.<>]+ \(|node:internal|\.ts:\d+|\.js:\d+/)
  expect(text, 'no exception names').not.toMatch(/\b(?:TypeError|SyntaxError|ZodError|GuardedFetchError|McpError|SseError|StreamableHTTPError|AbortError)\b|\[object |\bundefined\b/)
  expect(text, 'no markup from the peer').not.toMatch(/<html|<!doctype|<body/i)
  for (const secret of secrets) if (secret) expect(text, 'no secret').not.toContain(secret)
}

/** The stored row of a connection as it is in the database (ciphertexts, not plaintexts). */
export async function connectionRow(serverId: string, ownerKey: string) {
  return getDb().oAuthConnection.findUnique({
    where: { serverId_ownerKey: { serverId, ownerKey } },
    select: { id: true, generation: true, status: true, accessToken: true, refreshToken: true, expiresAt: true, clientId: true, issuer: true, refreshLeaseUntil: true, lastError: true },
  })
}

type Row = NonNullable<Awaited<ReturnType<typeof connectionRow>>>

/** The credential fields of `after` are those of `before`: nothing lost, nothing rewritten. */
export function expectCredentialsKept(before: Row | null, after: Row | null) {
  expect(before, 'a connection existed before').not.toBeNull()
  expect(after, 'the connection still exists').not.toBeNull()
  const pick = (row: Row | null) =>
    row && { id: row.id, generation: row.generation, status: row.status, accessToken: row.accessToken, refreshToken: row.refreshToken, expiresAt: row.expiresAt?.getTime() ?? null, clientId: row.clientId, issuer: row.issuer }
  expect(pick(after)).toEqual(pick(before))
  // A refresh that gave up must not leave its lease behind (the next request would wait for it).
  expect(after?.refreshLeaseUntil ?? null).toBeNull()
}

/**
 * Requests that have nothing to do with the failing peer: the health check and a tool call on a
 * healthy server, in the same process. Resolves with what they returned.
 */
export async function otherRequests(healthy: { userId: string; server: ServerSummary }) {
  const [health, call] = await Promise.all([healthLoader(), callServerTool(healthy.userId, healthy.server, 'echo', { message: 'still here' })])
  return { health: health.status, call: call.ok ? 'ok' : call.failure.kind }
}

export function expectOtherRequestsServed(outcome: Awaited<ReturnType<typeof otherRequests>>) {
  expect(outcome).toEqual({ health: 200, call: 'ok' })
}

/** Tracks whether a promise has settled, without waiting for it. */
export function track<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false
  const tracked = promise.finally(() => {
    done = true
  })
  return { promise: tracked, settled: () => done }
}

/** Polls `check` every 50 ms until it returns true (the test's own timeout bounds it). */
export async function waitUntil(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 50))
}
