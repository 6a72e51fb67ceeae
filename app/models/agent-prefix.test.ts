import { describe, expect, it } from 'vitest'
import { AGENT_PREFIX_PATTERN, agentPrefixes, deriveAgentPrefix, splitAgentToolName } from '#app/models/agent-prefix.ts'

const at = (minute: number) => new Date(Date.UTC(2026, 11, 5, 0, minute))

describe('agent tool prefixes', () => {
  it('derives a prefix from the name in the allowed characters', () => {
    expect(deriveAgentPrefix('Linear (EU)')).toBe('linear-eu')
    expect(deriveAgentPrefix('Café Notes')).toBe('cafe-notes')
    expect(deriveAgentPrefix('***')).toBe('server')
    expect(deriveAgentPrefix('a'.repeat(40))).toHaveLength(24)
    for (const name of ['Linear (EU)', 'x-', '  GitHub  ', 'a'.repeat(40)]) expect(deriveAgentPrefix(name)).toMatch(AGENT_PREFIX_PATTERN)
  })

  it('keeps stored prefixes and numbers colliding derived ones in the order servers were added', () => {
    const prefixes = agentPrefixes([
      { id: 'c', name: 'Linear', agentPrefix: null, createdAt: at(3) },
      { id: 'a', name: 'linear', agentPrefix: null, createdAt: at(1) },
      { id: 'b', name: 'Other', agentPrefix: 'linear-2', createdAt: at(2) },
    ])
    expect(Object.fromEntries(prefixes)).toEqual({ a: 'linear', b: 'linear-2', c: 'linear-3' })
  })

  it('splits an agent tool name at the first underscore', () => {
    expect(splitAgentToolName('linear_create_issue')).toEqual({ prefix: 'linear', toolName: 'create_issue' })
    expect(splitAgentToolName('_x')).toBeNull()
    expect(splitAgentToolName('linear_')).toBeNull()
    expect(splitAgentToolName('nounderscore')).toBeNull()
  })
})
