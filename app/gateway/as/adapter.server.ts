import { createHash } from 'node:crypto'
import { z } from 'zod'
import { decryptSecretOrThrow, encryptSecret } from '#app/utils/crypto.server.ts'
import { getDb } from '#app/utils/db.server.ts'

/**
 * oidc-provider's storage on the `AgentAuthRecord` table (docs/decisions/033-authorization-server.md).
 *
 * The provider hands the adapter the raw id of everything it stores, and for tokens and codes that id IS the token
 * (opaque format: `value = jti`). So rows are keyed by SHA-256 of the id only, and the payload is stored without any
 * field equal to the id; `find` re-attaches it from the value presented. A database dump holds no usable token,
 * code or session cookie. Two kinds of payload are encrypted (utils/crypto.server.ts): DCR clients
 * holding a `client_secret`, and sessions, whose raw id `findByUid` must return without being presented.
 */

/** The provider's payload: a JSON object with a few well-known fields. */
export type AdapterPayload = Record<string, unknown> & {
  jti?: string
  grantId?: string
  uid?: string
  accountId?: string
  clientId?: string
  consumed?: unknown
}

const RecordRowSchema = z.object({ payload: z.string(), consumedAt: z.coerce.date().nullable(), expiresAt: z.coerce.date().nullable() })

/** Errors the adapter raises; the provider's own error class, injected to keep this module free of its import. */
export type AdapterErrors = { alreadyConsumed: () => Error }

/** Field of the stored JSON listing which payload fields held the id (re-attached on find). */
const ID_FIELDS = '_idFields'
/** Field of a session's stored JSON holding its id encrypted (for findByUid, which is not given the id). */
const SEALED_ID = '_sealedId'

/** SHA-256 (hex) of a provider id: the only form in which tokens, codes and ids are stored. */
export function keyHashOf(id: string): string {
  return createHash('sha256').update(id).digest('hex')
}

function secretContext(model: string, keyHash: string) {
  return { table: 'AgentAuthRecord', column: 'payload', rowId: `${model}:${keyHash}` }
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null
}

/** The stored JSON (or ciphertext) for a payload, without the id. */
function sealPayload(model: string, id: string, keyHash: string, payload: AdapterPayload): string {
  const idFields = Object.keys(payload).filter((key) => payload[key] === id)
  const stored: Record<string, unknown> = { ...payload, [ID_FIELDS]: idFields }
  for (const key of idFields) delete stored[key]
  if (model === 'Session') stored[SEALED_ID] = encryptSecret(id, secretContext(model, keyHash))
  const json = JSON.stringify(stored)
  // A confidential DCR client's payload carries the secret the provider compares: stored encrypted, whole.
  return 'client_secret' in payload ? encryptSecret(json, secretContext(model, keyHash)) : json
}

/** The payload as the provider stored it, the id put back where it was. */
function openPayload(model: string, keyHash: string, stored: string, id: string | null, consumedAt: Date | null): AdapterPayload | undefined {
  // Ciphertexts start with `v1.`, JSON objects with `{`.
  const json = stored.startsWith('{') ? stored : decryptSecretOrThrow(stored, secretContext(model, keyHash))
  const parsed: unknown = JSON.parse(json)
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined
  const payload: AdapterPayload = { ...parsed }
  const sealed = payload[SEALED_ID]
  const rawId = id ?? (typeof sealed === 'string' ? decryptSecretOrThrow(sealed, secretContext(model, keyHash)) : null)
  const idFields = payload[ID_FIELDS]
  delete payload[ID_FIELDS]
  delete payload[SEALED_ID]
  if (rawId === null) return undefined
  if (Array.isArray(idFields)) for (const key of idFields) if (typeof key === 'string') payload[key] = rawId
  if (consumedAt) payload.consumed = Math.floor(consumedAt.getTime() / 1000)
  return payload
}

/**
 * The adapter class oidc-provider instantiates once per model name (`new PrismaAdapter('AccessToken')`).
 * Built by `prismaAdapterClass` so that the provider's `errors.InvalidGrant` can be injected.
 */
export function prismaAdapterClass(errors: AdapterErrors) {
  return class PrismaAdapter {
    readonly model: string

    constructor(model: string) {
      this.model = model
    }

    /** Stores (or replaces) an object; `expiresIn` in seconds. Grants and sessions are indexed by grant and uid. */
    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      const keyHash = keyHashOf(id)
      const columns = {
        payload: sealPayload(this.model, id, keyHash, payload),
        // A Grant's own id is its grant id: revoking the grant finds it too. Grant ids are not credentials (no token
        // can be had for one), and the Connected apps row (AgentGrant.id) holds the same id.
        grantId: this.model === 'Grant' ? id : stringOrNull(payload.grantId),
        uid: this.model === 'Session' ? stringOrNull(payload.uid) : null,
        accountId: stringOrNull(payload.accountId),
        clientId: stringOrNull(payload.clientId),
        expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
      }
      await getDb().agentAuthRecord.upsert({
        where: { model_keyHash: { model: this.model, keyHash } },
        create: { model: this.model, keyHash, ...columns },
        update: columns,
        select: { keyHash: true },
      })
    }

    /**
     * The object stored under `id`, unexpired, with its id re-attached and `consumed` set when it was. Plain SQL
     * (ADR 037): every agent request looks its access token up here.
     */
    async find(id: string): Promise<AdapterPayload | undefined> {
      const keyHash = keyHashOf(id)
      const rows = await getDb().$queryRaw<unknown[]>`
        SELECT "payload", "consumedAt", "expiresAt" FROM "AgentAuthRecord" WHERE "model" = ${this.model} AND "keyHash" = ${keyHash}`
      const row = rows.length === 0 ? null : RecordRowSchema.parse(rows[0])
      if (!row || (row.expiresAt && row.expiresAt.getTime() <= Date.now())) return undefined
      return openPayload(this.model, keyHash, row.payload, id, row.consumedAt)
    }

    /** A session by its uid (the interaction names it); its id comes back from the encrypted copy. */
    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const row = await getDb().agentAuthRecord.findFirst({
        where: { model: this.model, uid, OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] },
        select: { keyHash: true, payload: true, consumedAt: true },
      })
      return row ? openPayload(this.model, row.keyHash, row.payload, null, row.consumedAt) : undefined
    }

    /** Device flow only, which Switchboard does not enable. */
    async findByUserCode(): Promise<undefined> {
      return undefined
    }

    /**
     * Marks a code or refresh token used, atomically: one conditional UPDATE. The provider checks `consumed` before
     * calling this, but two concurrent redemptions would both pass that check; the one that loses here finds
     * the row already consumed, which is a replay: the whole grant is revoked and the exchange fails.
     */
    async consume(id: string): Promise<void> {
      const keyHash = keyHashOf(id)
      const db = getDb()
      const { count } = await db.agentAuthRecord.updateMany({
        where: { model: this.model, keyHash, consumedAt: null },
        data: { consumedAt: new Date() },
      })
      if (count === 1) return
      const row = await db.agentAuthRecord.findUnique({
        where: { model_keyHash: { model: this.model, keyHash } },
        select: { grantId: true },
      })
      if (row?.grantId) await revokeGrant(row.grantId)
      throw errors.alreadyConsumed()
    }

    async destroy(id: string): Promise<void> {
      await getDb().agentAuthRecord.deleteMany({ where: { model: this.model, keyHash: keyHashOf(id) } })
    }

    /**
     * Revokes a grant: every code and token of it, the grant itself, and its Connected apps row (a family revoked by
     * reuse detection or code replay must not stay listed as connected).
     */
    async revokeByGrantId(grantId: string): Promise<void> {
      await revokeGrant(grantId)
    }
  }
}

/** Deletes a grant's codes, tokens and grant record, and its Connected apps row, in one transaction. */
export async function revokeGrant(grantId: string): Promise<void> {
  const db = getDb()
  await db.$transaction([
    db.agentAuthRecord.deleteMany({ where: { grantId } }),
    db.agentGrant.deleteMany({ where: { id: grantId } }),
  ])
}
