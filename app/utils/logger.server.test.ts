import { Writable } from 'node:stream'
import pino from 'pino'
import { expect, test } from 'vitest'
import { REDACTED_PATHS, redactUrl } from '#app/utils/logger.server.ts'

test('callback paths lose their whole query string; others keep harmless ones', () => {
  expect(redactUrl('/oauth/callback?code=abc&state=xyz')).toBe('/oauth/callback?[redacted]')
  expect(redactUrl('/w/1/servers/2/callback?iss=https://as')).toBe('/w/1/servers/2/callback?[redacted]')
  expect(redactUrl('/anything?token=secret')).toBe('/anything?[redacted]')
  expect(redactUrl('/w/1/tools?server=abc')).toBe('/w/1/tools?server=abc')
  expect(redactUrl('/plain')).toBe('/plain')
})

test('an invite link loses its token, whatever follows it', () => {
  expect(redactUrl('/invite/abcDEF_123-xyz')).toBe('/invite/[redacted]')
  expect(redactUrl('/invite/abcDEF_123-xyz?x=1')).toBe('/invite/[redacted]?x=1')
  expect(redactUrl('/w/1/invites')).toBe('/w/1/invites')
})

test('the redaction paths hide secrets at the top level and one level down', () => {
  const lines: string[] = []
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk))
      done()
    },
  })
  const log = pino({ redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink)
  log.info(
    {
      accessToken: 'at-secret-1',
      client_secret: 'cs-secret-2',
      tokens: { refresh_token: 'rt-secret-3' },
      req: { headers: { cookie: 'sb_session=cookie-secret-4', authorization: 'Bearer at-secret-5' } },
      code_verifier: 'verifier-secret-6',
      serverId: 'kept-id',
    },
    'event',
  )
  const output = lines.join('')
  for (const secret of ['at-secret-1', 'cs-secret-2', 'rt-secret-3', 'cookie-secret-4', 'at-secret-5', 'verifier-secret-6']) {
    expect(output).not.toContain(secret)
  }
  expect(output).toContain('kept-id')
})
