import { expect, test } from 'vitest'
import { agentPeerOf, envelopeCapabilities } from '#app/gateway/elicitation.server.ts'

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
