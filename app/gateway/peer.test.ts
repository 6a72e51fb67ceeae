import { expect, test } from 'vitest'
import { agentPeerOf, envelopeCapabilities, envelopeLogLevel } from '#app/gateway/peer.ts'

test('what an agent declared: `elicitation: {}` is form only, url and form are read as declared, anything else is nothing', () => {
  expect(agentPeerOf('legacy', { elicitation: {} }, 'h')).toEqual({ era: 'legacy', elicitUrl: false, elicitForm: true, sessionIdHash: 'h' })
  expect(agentPeerOf('modern', { elicitation: { url: {} } }, null)).toMatchObject({ elicitUrl: true, elicitForm: false })
  expect(agentPeerOf('modern', { elicitation: { url: {}, form: {} } }, null)).toMatchObject({ elicitUrl: true, elicitForm: true })
  for (const nothing of [undefined, null, {}, { sampling: {} }, 'elicitation', { elicitation: 'url' }]) {
    expect(agentPeerOf('modern', nothing, null)).toMatchObject({ elicitUrl: false, elicitForm: false })
  }
  expect(envelopeCapabilities({ 'io.modelcontextprotocol/clientCapabilities': { elicitation: { url: {} } } })).toEqual({ elicitation: { url: {} } })
  expect(envelopeCapabilities(undefined)).toBeUndefined()
})

test('the log level a 2026 request names: a string or nothing', () => {
  expect(envelopeLogLevel({ 'io.modelcontextprotocol/logLevel': 'info' })).toBe('info')
  for (const nothing of [undefined, null, {}, { 'io.modelcontextprotocol/logLevel': 3 }, 'info']) expect(envelopeLogLevel(nothing)).toBeNull()
})
