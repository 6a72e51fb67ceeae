// What both MCP endpoints answer a tools/call with: the upstream's result as ours, or a tool error result.
import { type CallToolResult, isCallToolResult } from '@modelcontextprotocol/server'

/** A tool error result: what the agent shows its person, and what a model reads (MCP reports a failed call so). */
export function toolError(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] }
}

/** Fields of a result that describe the upstream's wire (2026-07-28), not what it answered. */
const WIRE_ONLY_RESULT_FIELDS = ['resultType', 'ttlMs', 'cacheScope'] as const

/** The upstream's result as ours: its result type and cache hints belong to its wire, not to ours. */
export function ownResult<T extends Record<string, unknown>>(result: T): T {
  const own = { ...result }
  for (const key of WIRE_ONLY_RESULT_FIELDS) delete own[key]
  return own
}

/** An upstream's answer to tools/call as the agent's result; a tool error when it is not a tool result at all. */
export function toolResultOf(server: { name: string }, result: unknown): CallToolResult {
  return isCallToolResult(result) ? ownResult(result) : toolError(`${server.name} answered with something that is not a tool result.`)
}
