// OAuth flows: a Connect or step-up in progress, from leaving for the authorization server to
// its callback. The PKCE verifier is encrypted here and decrypted only when the flow is consumed.
import { createHash, randomBytes } from 'node:crypto'
import { oauthSecretContext as context } from '#app/oauth/store/secrets.server.ts'
import { decryptSecret, encryptSecret } from '#app/utils/crypto.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import type { ClientKind } from '#app/oauth/rules.ts'
import type { FlowPurpose } from '#app/generated/prisma-sqlite/enums.ts'

/** How long a Connect may take between leaving for the authorization server and coming back. */
export const FLOW_TTL_MS = 10 * 60 * 1000

/** A new random `state` and the id its flow is stored under (SHA-256, so the table holds no usable state). */
export function newState(): { state: string; id: string } {
  const state = randomBytes(32).toString('base64url')
  return { state, id: flowId(state) }
}

export function flowId(state: string): string {
  return createHash('sha256').update(state).digest('hex')
}

export type FlowInput = {
  id: string
  userId: string
  sessionKey: string
  serverId: string
  configVersion: number
  codeVerifier: string
  issuer: string
  requireIss: boolean
  metadata: string
  resource: string | null
  redirectUri: string
  clientKind: ClientKind
  clientId: string
  scopes: string
  shared: boolean
  purpose: FlowPurpose
  returnTo: string
}

/** One person holds at most this many sign-ins in progress; a new one pushes out their oldest. */
export const MAX_PENDING_FLOWS_PER_USER = 5

export async function createFlow(input: FlowInput): Promise<void> {
  const db = getDb()
  // Each Connect stores a row until its callback or expiry (housekeeping.server.ts sweeps expired
  // ones): without a cap, one person pressing Connect in a loop grows the table without bound.
  const kept = await db.oAuthFlow.findMany({
    where: { userId: input.userId },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    skip: MAX_PENDING_FLOWS_PER_USER - 1,
    select: { id: true },
  })
  if (kept.length > 0) await db.oAuthFlow.deleteMany({ where: { userId: input.userId, id: { in: kept.map((row) => row.id) } } })
  await db.oAuthFlow.create({
    data: {
      ...input,
      codeVerifier: encryptSecret(input.codeVerifier, context('OAuthFlow', 'codeVerifier', input.id)),
      expiresAt: new Date(Date.now() + FLOW_TTL_MS),
    },
    select: { id: true },
  })
}

export type ConsumedFlow = Omit<FlowInput, 'codeVerifier'> & {
  codeVerifier: string | null
  expiresAt: Date
}

/** What a callback's `state` led to: the caller's own flow, someone else's (left alone), or nothing. */
export type FlowConsumption = { ok: true; flow: ConsumedFlow } | { ok: false; reason: 'not_yours' | 'unknown' }

/**
 * Takes the flow for `state` out of the table in one statement (DELETE … WHERE id AND userId AND
 * sessionKey … RETURNING), so a second callback with the same state finds nothing, and a callback
 * opened by another account or browser never burns the rightful owner's flow.
 */
export async function consumeFlow(state: string, owner: { userId: string; sessionKey: string }): Promise<FlowConsumption> {
  const id = flowId(state)
  const db = getDb()
  try {
    const row = await db.oAuthFlow.delete({ where: { id, userId: owner.userId, sessionKey: owner.sessionKey } })
    const verifier = decryptSecret(row.codeVerifier, context('OAuthFlow', 'codeVerifier', id))
    return {
      ok: true,
      flow: {
        ...row,
        resource: row.resource,
        codeVerifier: verifier.ok ? verifier.value : null,
      },
    }
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'P2025')) throw error
  }
  // Nothing deleted: either the state is someone else's (their flow stays for them), or it is
  // unknown or used. The read comes after the delete, so a flow it sees was never ours to take.
  const other = await db.oAuthFlow.findUnique({ where: { id }, select: { id: true } })
  return { ok: false, reason: other ? 'not_yours' : 'unknown' }
}
