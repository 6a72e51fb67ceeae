import { expect, test } from 'vitest'
import { checkRequestOrigin } from '#app/utils/request-origin.server.ts'

const origin = 'https://switchboard.example'

test('safe methods are never refused', () => {
  expect(checkRequestOrigin('GET', {}, origin)).toEqual({ ok: true })
  expect(checkRequestOrigin('HEAD', { origin: 'https://evil.example' }, origin)).toEqual({ ok: true })
})

test('a POST from our own origin passes, by Origin or (without Origin) by Referer', () => {
  expect(checkRequestOrigin('POST', { origin }, origin)).toEqual({ ok: true })
  expect(checkRequestOrigin('POST', { referer: `${origin}/w/1/members` }, origin)).toEqual({ ok: true })
})

test.each([
  ['a foreign Origin', { origin: 'https://evil.example' }],
  ['a look-alike Origin', { origin: 'https://switchboard.example.evil.example' }],
  ['an opaque Origin', { origin: 'null' }],
  ['a foreign Referer and no Origin', { referer: 'https://evil.example/page' }],
  ['neither header', {}],
  ['a garbage Referer', { referer: 'not a url' }],
  ['a foreign Origin with our Referer', { origin: 'https://evil.example', referer: `${origin}/` }],
])('a POST with %s is refused with a sentence', (_label, headers) => {
  const verdict = checkRequestOrigin('POST', headers, origin)
  expect(verdict.ok).toBe(false)
  if (!verdict.ok) expect(verdict.message).toMatch(/refused|runs at/)
})
