import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto'
import { getEnv, type EncryptionKey } from '#app/utils/env.server.ts'

/**
 * Secrets at rest (docs/decisions/004-secrets-at-rest.md): AES-256-GCM with a fresh random
 * 96-bit IV per value, stored as `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url segments).
 * The associated data binds each value to its table, column and row, so a ciphertext copied
 * to another row or column does not decrypt.
 */

/** The row and column a secret belongs to; it is authenticated, not stored. */
export type SecretContext = { table: string; column: string; rowId: string }

export type DecryptFailureReason = 'unknown_key' | 'tampered' | 'malformed'

export type DecryptResult = { ok: true; value: string } | { ok: false; reason: DecryptFailureReason }

const FORMAT_VERSION = 'v1'
const ALGORITHM = 'aes-256-gcm'
const KEY_BYTES = 32
/** 96 bits: the IV size GCM is specified for (NIST SP 800-38D, section 8.2). */
const IV_BYTES = 12
const TAG_BYTES = 16
/** Same rule as ENCRYPTION_KEYS in env.server.ts; it also keeps `.` out of the key id. */
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,16}$/
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]*$/
/** In a `u` regex a valid surrogate pair is one code point, so this matches only lone surrogates. */
const LONE_SURROGATE_PATTERN = /\p{Cs}/u

/** Thrown by decryptSecretOrThrow; carries only the reason and the row's ids, never a value. */
export class DecryptionError extends Error {
  override name = 'DecryptionError'
  readonly reason: DecryptFailureReason

  constructor(reason: DecryptFailureReason, context: SecretContext) {
    super(`Could not decrypt ${context.table}.${context.column} of row ${context.rowId}: ${reason}`)
    this.reason = reason
  }
}

type ParsedCiphertext = { keyId: string; iv: Buffer; ciphertext: Buffer; tag: Buffer }

/** Decodes base64url, accepting only the canonical unpadded form so each value has one spelling. */
function decodeSegment(segment: string): Buffer | null {
  if (!BASE64URL_PATTERN.test(segment)) return null
  const bytes = Buffer.from(segment, 'base64url')
  return bytes.toString('base64url') === segment ? bytes : null
}

function parseCiphertext(value: unknown): ParsedCiphertext | null {
  if (typeof value !== 'string') return null
  const parts = value.split('.')
  if (parts.length !== 5) return null
  const [version, keyId, ivPart, ciphertextPart, tagPart] = parts
  if (version !== FORMAT_VERSION || keyId === undefined || !KEY_ID_PATTERN.test(keyId)) return null
  const iv = decodeSegment(ivPart ?? '')
  const ciphertext = decodeSegment(ciphertextPart ?? '')
  const tag = decodeSegment(tagPart ?? '')
  if (!iv || !ciphertext || !tag || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return null
  return { keyId, iv, ciphertext, tag }
}

/** JSON of a string array is unambiguous: ("a.b", "c") and ("a", "b.c") give different bytes. */
function associatedData(keyId: string, context: SecretContext): Buffer {
  return Buffer.from(JSON.stringify([FORMAT_VERSION, keyId, context.table, context.column, context.rowId]), 'utf8')
}

function assertUsableKey(key: EncryptionKey): void {
  if (!KEY_ID_PATTERN.test(key.id) || key.key.length !== KEY_BYTES) {
    throw new Error('Encryption key is invalid: ids are 1-16 letters, digits, - or _ and keys are 32 bytes')
  }
}

/**
 * Encrypts a secret for one row and column with the current key (`keys[0]`).
 * Throws when no usable key is configured, a context field is empty, or the plaintext has lone surrogates.
 */
export function encryptSecret(
  plaintext: string,
  context: SecretContext,
  keys: EncryptionKey[] = getEnv().ENCRYPTION_KEYS,
): string {
  const key = keys[0]
  if (!key) throw new Error('No encryption key is configured (ENCRYPTION_KEYS)')
  assertUsableKey(key)
  if (!context.table || !context.column || !context.rowId) {
    throw new Error('Secret context needs a table, a column and a row id')
  }
  // NOTE: UTF-8 encoding would silently replace a lone surrogate, so the value would not round-trip.
  if (LONE_SURROGATE_PATTERN.test(plaintext)) throw new Error('Secret is not well-formed Unicode')
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv(ALGORITHM, key.key, iv, { authTagLength: TAG_BYTES })
  cipher.setAAD(associatedData(key.id, context))
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  const tag = cipher.getAuthTag()
  return [FORMAT_VERSION, key.id, iv, ciphertext, tag]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.')
}

/**
 * Decrypts a stored secret with whichever configured key its prefix names; returns a typed
 * failure for unreadable input (a wrong row or column reads as `tampered`).
 * Throws only when a configured key itself is invalid.
 */
export function decryptSecret(
  ciphertext: string,
  context: SecretContext,
  keys: EncryptionKey[] = getEnv().ENCRYPTION_KEYS,
): DecryptResult {
  const parsed = parseCiphertext(ciphertext)
  if (!parsed) return { ok: false, reason: 'malformed' }
  const key = keys.find((candidate) => candidate.id === parsed.keyId)
  if (!key) return { ok: false, reason: 'unknown_key' }
  assertUsableKey(key)
  const decipher = createDecipheriv(ALGORITHM, key.key, parsed.iv, { authTagLength: TAG_BYTES })
  decipher.setAAD(associatedData(key.id, context))
  decipher.setAuthTag(parsed.tag)
  try {
    const plaintext = Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()])
    return { ok: true, value: plaintext.toString('utf8') }
  } catch {
    // final() throws when the tag does not match: changed bytes, another key, or another row/column.
    return { ok: false, reason: 'tampered' }
  }
}

/**
 * Decrypts like decryptSecret for callers that prefer an exception.
 * Throws DecryptionError (with `reason`) when the value cannot be decrypted.
 */
export function decryptSecretOrThrow(
  ciphertext: string,
  context: SecretContext,
  keys: EncryptionKey[] = getEnv().ENCRYPTION_KEYS,
): string {
  const result = decryptSecret(ciphertext, context, keys)
  if (!result.ok) throw new DecryptionError(result.reason, context)
  return result.value
}

/** The key id a stored secret names, or null when it is not in our format. Never throws. */
export function keyIdOf(ciphertext: string): string | null {
  return parseCiphertext(ciphertext)?.keyId ?? null
}

/** Whether a stored secret names the current key (`keys[0]`); says nothing about its integrity. Never throws. */
export function isEncryptedWithCurrentKey(
  ciphertext: string,
  keys: EncryptionKey[] = getEnv().ENCRYPTION_KEYS,
): boolean {
  const current = keys[0]
  return current !== undefined && keyIdOf(ciphertext) === current.id
}

/** What an HMAC of the app is for: each purpose has a key of its own. */
export type HmacPurpose = 'session-id' | 'device-cookie'

/**
 * HMAC-SHA256 for one purpose, keyed from SESSION_SECRET. The device cookie's key is derived from it, so that no
 * other HMAC of the app can pass for a device token; the session id's key is the secret itself (the stored session
 * keys were made with it: another key would sign everyone out).
 */
export function hmacFor(purpose: HmacPurpose): (data: string) => Buffer {
  const secret = getEnv().SESSION_SECRET
  const key = purpose === 'session-id' ? secret : createHmac('sha256', secret).update('switchboard device cookie v1').digest()
  return (data) => createHmac('sha256', key).update(data).digest()
}
