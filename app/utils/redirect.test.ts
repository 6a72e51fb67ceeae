import { expect, test } from 'vitest'
import { safeRedirectPath } from '#app/utils/redirect.ts'

test.each([
  ['/w/abc/members?tab=1#top', '/w/abc/members?tab=1#top'],
  ['/', '/'],
  ['https://evil.example/', '/'],
  ['http:/evil.example', '/'],
  ['//evil.example', '/'],
  ['/\\evil.example', '/'],
  ['/\t/evil.example', '/'],
  ['javascript:alert(1)', '/'],
  ['', '/'],
  ['relative/path', '/'],
])('safeRedirectPath(%j) is %j', (input, expected) => {
  expect(safeRedirectPath(input)).toBe(expected)
})

test('safeRedirectPath falls back for non-strings and very long input', () => {
  expect(safeRedirectPath(undefined, '/home')).toBe('/home')
  expect(safeRedirectPath(['/x'], '/home')).toBe('/home')
  expect(safeRedirectPath('/' + 'a'.repeat(3000), '/home')).toBe('/home')
})
