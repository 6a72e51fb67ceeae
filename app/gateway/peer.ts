// Who is on the other end of one MCP request, as both endpoints read it: its era and what it declared it can do
// (2026-07-28 on every request in its `_meta` envelope; the 2025 revisions once, at initialize).
import { CLIENT_CAPABILITIES_META_KEY, LOG_LEVEL_META_KEY, type ServerContext } from '@modelcontextprotocol/server'
import { z } from 'zod'

/** The agent's era, as the endpoint's handler factory was told it. */
export type AgentEra = 'legacy' | 'modern'

/** What the agent declared it can do, whichever revision it speaks. */
export type AgentPeer = {
  era: AgentEra
  /** URL-mode elicitation (`capabilities.elicitation.url`). */
  elicitUrl: boolean
  /** Form-mode elicitation (`capabilities.elicitation` with `form`, or an empty object: form only). */
  elicitForm: boolean
  /** The 2025 session's stored key, for the elicitation row. */
  sessionIdHash: string | null
}

/** The keys of a 2026-07-28 request's `_meta` envelope that we read (the SDK types the envelope as `{}`). */
const EnvelopeSchema = z.object({ [CLIENT_CAPABILITIES_META_KEY]: z.unknown().optional(), [LOG_LEVEL_META_KEY]: z.unknown().optional() })

/** The client capabilities a 2026-07-28 request carries in its `_meta` envelope. */
export function envelopeCapabilities(envelope: unknown): unknown {
  const parsed = EnvelopeSchema.safeParse(envelope)
  return parsed.success ? parsed.data[CLIENT_CAPABILITIES_META_KEY] : undefined
}

/** The log level a 2026-07-28 request names in its `_meta` envelope, if any. */
export function envelopeLogLevel(envelope: unknown): string | null {
  const level = EnvelopeSchema.safeParse(envelope).data?.[LOG_LEVEL_META_KEY]
  return typeof level === 'string' ? level : null
}

const ElicitationCapabilitySchema = z.object({ elicitation: z.object({ url: z.unknown().optional(), form: z.unknown().optional() }).optional() })

/** The peer described by a capabilities object (from the 2026 envelope or the 2025 session row). */
export function agentPeerOf(era: AgentEra, capabilities: unknown, sessionIdHash: string | null): AgentPeer {
  const parsed = ElicitationCapabilitySchema.safeParse(capabilities)
  const elicitation = parsed.success ? parsed.data.elicitation : undefined
  return {
    era,
    elicitUrl: elicitation?.url !== undefined,
    // MCP 2025-11-25: `elicitation: {}` means form mode only.
    elicitForm: elicitation !== undefined && (elicitation.form !== undefined || elicitation.url === undefined),
    sessionIdHash,
  }
}

/**
 * The peer of one request: 2026-07-28 carries the capabilities on every request (its `_meta` envelope); the 2025
 * revisions declared them at initialize, kept with their session (legacy-session.server.ts).
 */
export function agentPeerFor(
  context: { era: AgentEra; session?: { idHash: string; capabilities: unknown } | null },
  ctx: ServerContext,
): AgentPeer {
  return context.era === 'modern'
    ? agentPeerOf('modern', envelopeCapabilities(ctx.mcpReq.envelope), null)
    : agentPeerOf('legacy', context.session?.capabilities ?? null, context.session?.idHash ?? null)
}
