// What travels between the agent and the upstream session during one request (docs/research/workspace-endpoint.md
// §4, ADR 035): progress and cancellation at both endpoints; logging and the upstream's elicitation and sampling
// requests (2026-07-28 MRTR; to a 2025 session's client see legacy-questions.server.ts) at the per-server endpoint.
import { AsyncLocalStorage } from 'node:async_hooks'
import type { Client, LoggingMessageNotification } from '@modelcontextprotocol/client'
import { CLIENT_CAPABILITIES_META_KEY, LOG_LEVEL_META_KEY, type ServerContext } from '@modelcontextprotocol/server'
import { z } from 'zod'
import { type AgentEra, envelopeCapabilities, envelopeLogLevel } from '#app/gateway/peer.ts'
import { isLegacyRevision } from '#app/mcp/transport/revisions.ts'

/** Where an upstream log line of the running request goes (the agent's request stream), if anywhere. */
const logRoute = new AsyncLocalStorage<(params: LoggingMessageNotification['params']) => void>()
const routedClients = new WeakSet<Client>()

/**
 * Routes a pooled client's log notifications to the agent request that is running on it. A pooled client's
 * handlers are per client, not per request; but over Streamable HTTP an upstream sends a request's log lines on
 * that request's own response stream, which the client reads in the async context of the call that sent it — so
 * the call's AsyncLocalStorage store says whose they are. Lines outside any forwarded call (a standalone GET
 * stream, the legacy SSE transport) reach no agent.
 */
function routeLogs(client: Client): void {
  if (routedClients.has(client)) return
  routedClients.add(client)
  client.setNotificationHandler('notifications/message', (notification) => {
    logRoute.getStore()?.(notification.params)
  })
}

const CapabilitiesSchema = z.record(z.string(), z.unknown())

/** Who the agent of one request is: its era and, on the 2025 revisions, its session (what it declared at initialize). */
export type AgentSide = { era: AgentEra; session?: { capabilities: unknown } | null }

/**
 * The capabilities of an agent that an upstream may ask through it (elicitation, sampling, roots): a 2026 agent's
 * from its request's envelope; a 2025 agent's from its session, whose client we can ask on the call's stream
 * (legacy-questions.server.ts). A 2025 request outside a session can be asked nothing: its answer would have no
 * session to come back through.
 */
export function forwardableCapabilities(agent: AgentSide, ctx: ServerContext): Record<string, unknown> {
  const raw = agent.era === 'modern' ? envelopeCapabilities(ctx.mcpReq.envelope) : agent.session?.capabilities
  const declared = CapabilitiesSchema.safeParse(raw).data ?? {}
  const forwarded: Record<string, unknown> = {}
  for (const name of ['elicitation', 'sampling', 'roots'] as const) {
    if (declared[name] !== undefined) forwarded[name] = declared[name]
  }
  return forwarded
}

/**
 * The log level the upstream is asked for. A 2026 agent gets log lines only when its request names a level (the
 * spec's MUST NOT otherwise), and then at that level; a 2025 agent has no per-request level (its
 * `logging/setLevel` went to another stateless request), so it gets the lines a 2025 server sends by default: all.
 */
function requestedLogLevel(era: AgentEra, ctx: ServerContext): string | null {
  if (era === 'legacy') return 'debug'
  return envelopeLogLevel(ctx.mcpReq.envelope)
}

/** The elicitation modes declared upstream for an agent that cannot be asked: each is answered `cancel`. */
const CANCELLED_ELICITATION = { form: {}, url: {} }

export type Forwarding = {
  /** `_meta` for the upstream request: the agent's progress token stays ours; 2026 keys only to a 2026 upstream. */
  meta(client: Client): Record<string, unknown> | undefined
  /** Request options: the agent's cancellation and, when it asked for progress, its progress callback. */
  options: { signal: AbortSignal; onprogress?: (progress: { progress: number; total?: number; message?: string }) => void; resetTimeoutOnProgress?: boolean }
  /** Runs `call` on `client` with the upstream's log lines of this request forwarded to the agent. */
  run<T>(client: Client, call: () => Promise<T>): Promise<T>
}

/** How one agent request is forwarded: progress, logging and cancellation (research §4 table). */
export function forwardingFor(agent: AgentSide, ctx: ServerContext): Forwarding {
  const logLevel = requestedLogLevel(agent.era, ctx)
  const capabilities = forwardableCapabilities(agent, ctx)
  const notify = notifier(ctx)
  const onprogress = progressForwarder(ctx)
  return {
    meta(client) {
      if (isLegacyRevision(client.getNegotiatedProtocolVersion())) return undefined
      // The reserved keys we set win over the client's own envelope (the SDK merges user `_meta` last). Elicitation
      // is always declared: what the agent cannot answer, we answer `cancel` (research §4), which a tool handles
      // as a person saying no; sampling and roots only when the agent has them, since we have no honest answer.
      return {
        [CLIENT_CAPABILITIES_META_KEY]: { ...capabilities, elicitation: capabilities.elicitation ?? CANCELLED_ELICITATION },
        ...(logLevel ? { [LOG_LEVEL_META_KEY]: logLevel } : {}),
      }
    },
    options: {
      signal: cancellationOf(ctx.mcpReq.signal),
      ...(onprogress ? { onprogress, resetTimeoutOnProgress: true } : {}),
    },
    run(client, call) {
      if (!logLevel) return call()
      routeLogs(client)
      return logRoute.run((params) => notify({ method: 'notifications/message', params: { ...params } }), call)
    },
  }
}

/**
 * The agent's cancellation as a plain abort for the upstream call. The SDK aborts a handler's signal with a
 * "connection closed" reason, and the upstream call would fail with that reason: read as a broken upstream session,
 * which the pool ends — with the person's other calls running on it.
 */
export function cancellationOf(signal: AbortSignal): AbortSignal {
  const controller = new AbortController()
  if (signal.aborted) controller.abort()
  else signal.addEventListener('abort', () => controller.abort(), { once: true })
  return controller.signal
}

/** Sends a notification on the agent's request stream. The agent may be gone (it cancelled): a lost one is no error of the call. */
function notifier(ctx: ServerContext) {
  return (notification: { method: string; params: Record<string, unknown> }) => {
    ctx.mcpReq.notify(notification).catch(() => {})
  }
}

/** Forwards upstream progress to the agent when its request carried a progress token (ours to answer with). */
export function progressForwarder(ctx: ServerContext): ((progress: { progress: number; total?: number; message?: string }) => void) | undefined {
  const progressToken = ctx.mcpReq._meta?.progressToken
  if (progressToken === undefined) return undefined
  const notify = notifier(ctx)
  return (progress) => notify({ method: 'notifications/progress', params: { progressToken, progress: progress.progress, ...optional(progress) } })
}

function optional(progress: { total?: number; message?: string }): { total?: number; message?: string } {
  return {
    ...(progress.total !== undefined ? { total: progress.total } : {}),
    ...(progress.message !== undefined ? { message: progress.message } : {}),
  }
}

/** Which agent capability each kind of upstream input request needs. */
const CAPABILITY_OF_METHOD: Record<string, string> = {
  'elicitation/create': 'elicitation',
  'sampling/createMessage': 'sampling',
  'roots/list': 'roots',
}

/**
 * Whether every input request of an upstream `input_required` result can go to the agent: it speaks 2026-07-28 or
 * is a 2025 session's client, and declared the capability each one needs (a URL-mode elicitation needs
 * `elicitation.url`).
 */
export function agentCanAnswer(agent: AgentSide, ctx: ServerContext, inputRequests: Record<string, unknown>): boolean {
  const capabilities = forwardableCapabilities(agent, ctx)
  return Object.values(inputRequests).every((raw) => {
    const request = InputRequestSchema.safeParse(raw)
    if (!request.success) return false
    const capability = CAPABILITY_OF_METHOD[request.data.method]
    if (!capability || capabilities[capability] === undefined) return false
    if (request.data.method === 'elicitation/create' && request.data.params?.mode === 'url') {
      return ElicitationUrlSchema.safeParse(capabilities.elicitation).success
    }
    return true
  })
}

const InputRequestSchema = z.object({ method: z.string(), params: z.object({ mode: z.unknown().optional() }).optional() })
const ElicitationUrlSchema = z.object({ url: z.unknown() })

/**
 * The answers an agent that cannot be asked gives: `cancel` to each elicitation (the honest answer when the
 * person cannot be reached); null when a request is of another kind (sampling, roots), which has no such answer.
 */
export function cancelAnswers(inputRequests: Record<string, unknown>): Record<string, unknown> | null {
  const answers: Record<string, unknown> = {}
  for (const [key, request] of Object.entries(inputRequests)) {
    if (InputRequestSchema.safeParse(request).data?.method !== 'elicitation/create') return null
    answers[key] = { action: 'cancel' }
  }
  return answers
}
