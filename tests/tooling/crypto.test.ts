import { randomBytes } from 'node:crypto'
import { expect, test } from 'vitest'
import {
  DecryptionError,
  decryptSecret,
  decryptSecretOrThrow,
  encryptSecret,
  isEncryptedWithCurrentKey,
  keyIdOf,
  type SecretContext,
} from '#app/utils/crypto.server.ts'
import { type EncryptionKey } from '#app/utils/env.server.ts'

const oldKey: EncryptionKey = { id: 'old', key: randomBytes(32) }
const newKey: EncryptionKey = { id: 'new', key: randomBytes(32) }
const context: SecretContext = { table: 'Credential', column: 'accessToken', rowId: 'row-1' }

/** Flips one bit of one byte inside a base64url segment (0-based, counting from `v1`). */
function flipByte(ciphertext: string, segment: number, byte = 0): string {
  const parts = ciphertext.split('.')
  const bytes = Buffer.from(parts[segment] ?? '', 'base64url')
  bytes[byte] = (bytes[byte] ?? 0) ^ 0x01
  parts[segment] = bytes.toString('base64url')
  return parts.join('.')
}

test('a secret round-trips, including the empty string and non-ASCII text', () => {
  for (const plaintext of ['gho_abc123', '', 'pässwörd ключ 秘密 🔑👩🏽‍💻', 'x'.repeat(10_000)]) {
    const ciphertext = encryptSecret(plaintext, context, [oldKey])
    expect(ciphertext).not.toContain(plaintext || 'no-empty-substring')
    expect(decryptSecret(ciphertext, context, [oldKey])).toEqual({ ok: true, value: plaintext })
  }
})

test('ciphertexts carry the version, the key id, a 96-bit IV and a 128-bit tag', () => {
  const ciphertext = encryptSecret('secret', context, [newKey, oldKey])
  const [version, keyId, iv, body, tag, ...rest] = ciphertext.split('.')
  expect(version).toBe('v1')
  expect(keyId).toBe('new')
  expect(Buffer.from(iv ?? '', 'base64url')).toHaveLength(12)
  expect(Buffer.from(body ?? '', 'base64url')).toHaveLength(Buffer.byteLength('secret'))
  expect(Buffer.from(tag ?? '', 'base64url')).toHaveLength(16)
  expect(rest).toEqual([])
})

test('encrypting the same secret twice uses a fresh IV each time', () => {
  const first = encryptSecret('same secret', context, [oldKey])
  const second = encryptSecret('same secret', context, [oldKey])
  expect(first.split('.')[2]).not.toBe(second.split('.')[2])
  expect(first).not.toBe(second)
  expect(decryptSecret(first, context, [oldKey])).toEqual({ ok: true, value: 'same secret' })
  expect(decryptSecret(second, context, [oldKey])).toEqual({ ok: true, value: 'same secret' })
})

test('changing one byte of the IV, the ciphertext or the tag is detected as tampering', () => {
  const ciphertext = encryptSecret('a long enough secret', context, [oldKey])
  for (const segment of [2, 3, 4]) {
    for (const byte of [0, 5, 11]) {
      expect(decryptSecret(flipByte(ciphertext, segment, byte), context, [oldKey])).toEqual({
        ok: false,
        reason: 'tampered',
      })
    }
  }
})

test('the key id is authenticated: relabelling a ciphertext does not decrypt, even under the same key bytes', () => {
  const ciphertext = encryptSecret('secret', context, [oldKey])
  const relabelled = ciphertext.replace(/^v1\.old\./, 'v1.new.')
  expect(relabelled).not.toBe(ciphertext)
  // The same material under a second id, e.g. an operator re-adding a key with a new name.
  const sameBytes: EncryptionKey = { id: 'new', key: oldKey.key }
  expect(decryptSecret(relabelled, context, [sameBytes, oldKey])).toEqual({ ok: false, reason: 'tampered' })
  expect(decryptSecret(relabelled, context, [newKey, oldKey])).toEqual({ ok: false, reason: 'tampered' })
})

test('a ciphertext copied to another row, column or table does not decrypt', () => {
  const ciphertext = encryptSecret('secret', context, [oldKey])
  const elsewhere: SecretContext[] = [
    { ...context, rowId: 'row-2' },
    { ...context, column: 'refreshToken' },
    { ...context, table: 'Server' },
  ]
  for (const other of elsewhere) {
    expect(decryptSecret(ciphertext, other, [oldKey])).toEqual({ ok: false, reason: 'tampered' })
  }
})

test('the associated data cannot be shifted between table, column and row id', () => {
  const ciphertext = encryptSecret('secret', { table: 'a.b', column: 'c', rowId: 'd' }, [oldKey])
  const shifted: SecretContext[] = [
    { table: 'a', column: 'b.c', rowId: 'd' },
    { table: 'a.b', column: 'c.d', rowId: '' },
    { table: 'a.b.c', column: '', rowId: 'd' },
  ]
  for (const other of shifted) {
    expect(decryptSecret(ciphertext, other, [oldKey])).toEqual({ ok: false, reason: 'tampered' })
  }
})

test('malformed input is reported as malformed, never thrown', () => {
  const valid = encryptSecret('secret', context, [oldKey])
  const [, , iv = '', body = '', tag = ''] = valid.split('.')
  const malformed = [
    '',
    'gho_plaintext-token',
    'v1.old',
    `v2.old.${iv}.${body}.${tag}`,
    `v1.old.${iv}.${body}.${tag}.extra`,
    `v1..${iv}.${body}.${tag}`,
    `v1.old.${iv}.${body}!.${tag}`,
    `v1.old.${iv}.${body}.${tag}==`,
    `v1.old.${Buffer.alloc(16).toString('base64url')}.${body}.${tag}`,
    `v1.old.${iv}.${body}.${Buffer.alloc(12).toString('base64url')}`,
  ]
  for (const input of malformed) {
    expect(decryptSecret(input, context, [oldKey]), input).toEqual({ ok: false, reason: 'malformed' })
    expect(keyIdOf(input), input).toBeNull()
  }
})

test('a non-canonical base64url spelling of a valid ciphertext is malformed', () => {
  // 16 tag bytes are 22 base64url characters whose last one carries 4 unused bits; setting one
  // of them decodes to the same bytes, so only the canonical-spelling check rejects it.
  const valid = encryptSecret('secret', context, [oldKey])
  const parts = valid.split('.')
  const tag = parts[4] ?? ''
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const last = alphabet.indexOf(tag.at(-1) ?? '')
  parts[4] = tag.slice(0, -1) + alphabet[last ^ 0b0001]
  expect(Buffer.from(parts[4], 'base64url').equals(Buffer.from(tag, 'base64url'))).toBe(true)
  expect(decryptSecret(parts.join('.'), context, [oldKey])).toEqual({ ok: false, reason: 'malformed' })
})

test('a ciphertext under a key that is not configured reports unknown_key', () => {
  const ciphertext = encryptSecret('secret', context, [oldKey])
  expect(decryptSecret(ciphertext, context, [newKey])).toEqual({ ok: false, reason: 'unknown_key' })
  expect(decryptSecret(ciphertext, context, [])).toEqual({ ok: false, reason: 'unknown_key' })
})

test('after a new key is prepended, old values still decrypt and new values use the new key', () => {
  const before = encryptSecret('secret', context, [oldKey])
  const rotated = [newKey, oldKey]
  expect(decryptSecret(before, context, rotated)).toEqual({ ok: true, value: 'secret' })
  const after = encryptSecret('secret', context, rotated)
  expect(keyIdOf(before)).toBe('old')
  expect(keyIdOf(after)).toBe('new')
  expect(isEncryptedWithCurrentKey(before, rotated)).toBe(false)
  expect(isEncryptedWithCurrentKey(after, rotated)).toBe(true)
  expect(isEncryptedWithCurrentKey('not a ciphertext', rotated)).toBe(false)
  expect(isEncryptedWithCurrentKey(after, [])).toBe(false)
})

test('the default keys come from ENCRYPTION_KEYS', () => {
  const ciphertext = encryptSecret('secret', context)
  expect(keyIdOf(ciphertext)).toBe('test1')
  expect(decryptSecret(ciphertext, context)).toEqual({ ok: true, value: 'secret' })
  expect(decryptSecret(ciphertext, context, [oldKey])).toEqual({ ok: false, reason: 'unknown_key' })
})

test('decryptSecretOrThrow returns the value or throws a DecryptionError without the value', () => {
  const ciphertext = encryptSecret('gho_topsecret', context, [oldKey])
  expect(decryptSecretOrThrow(ciphertext, context, [oldKey])).toBe('gho_topsecret')

  const cases: Array<[string, EncryptionKey[], string]> = [
    [ciphertext, [newKey], 'unknown_key'],
    [flipByte(ciphertext, 3), [oldKey], 'tampered'],
    ['gho_topsecret', [oldKey], 'malformed'],
  ]
  for (const [input, keys, reason] of cases) {
    let caught: unknown
    try {
      decryptSecretOrThrow(input, context, keys)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(DecryptionError)
    if (!(caught instanceof DecryptionError)) continue
    expect(caught.reason).toBe(reason)
    expect(caught.message).toContain(reason)
    expect(caught.message).toContain('row-1')
    for (const secret of ['gho_topsecret', ...input.split('.').filter((part) => part.length > 3)]) {
      expect(caught.message).not.toContain(secret)
    }
    for (const key of keys) expect(caught.message).not.toContain(key.key.toString('base64'))
  }
})

test('encryptSecret refuses to run without a usable key or a complete context', () => {
  const badKeys: EncryptionKey[][] = [
    [],
    [{ id: 'short', key: randomBytes(16) }],
    [{ id: 'a.b', key: randomBytes(32) }],
  ]
  for (const keys of badKeys) {
    expect(() => encryptSecret('gho_topsecret', context, keys)).toThrow(/key/)
  }
  for (const partial of [
    { ...context, table: '' },
    { ...context, column: '' },
    { ...context, rowId: '' },
  ]) {
    expect(() => encryptSecret('gho_topsecret', partial, [oldKey])).toThrow(/table, a column and a row id/)
  }
})

test('encryptSecret rejects text with a lone surrogate instead of silently changing it', () => {
  expect(() => encryptSecret('ab\uD800cd', context, [oldKey])).toThrow('Secret is not well-formed Unicode')
})
