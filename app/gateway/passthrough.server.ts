// The per-server endpoint /mcp/<workspace>/<server> (issue 13, docs/decisions/035-per-server-pass-through.md): one
// server of the caller's workspace passed through unchanged on the person's own connection. Names stay unprefixed;
// the endpoint declares only what the upstream offers; "available to agents", the tool policy, "ask to confirm" and
// upstream sign-in by URL elicitation work as at the aggregated endpoint (gate.server.ts, elicitation.server.ts).
import type { Client } from '@modelcontextprotocol/client'
import { ProtocolError, ProtocolErrorCode, type RequestId, Server, type ServerCapabilities } from '@modelcontextprotocol/server'
import { z } from 'zod'
import type { AgentCaller } from '#app/gateway/caller.ts'
import type { EndpointContext } from '#app/gateway/endpoint.server.ts'
import { type PassthroughCall, passthroughToolCall } from '#app/gateway/passthrough-call.server.ts'
import { serverPageUrl, signInSentence } from '#app/gateway/elicitation.server.ts'
import { cancellationOf } from '#app/gateway/forwarding.server.ts'
import type { AgentStreamWriter } from '#app/gateway/legacy-questions.server.ts'
import { unavailableSentence } from '#app/gateway/gate.server.ts'
import { agentRequestStateCodec } from '#app/gateway/request-state.server.ts'
import { ownResult } from '#app/gateway/results.ts'
import { listedTools } from '#app/mcp/tool-policy.server.ts'
import { type ToolsFailure, stopsForSignIn, withServerSession } from '#app/mcp/tools.server.ts'
import { findServerForAgents } from '#app/models/agent-access.server.ts'
import type { ServerSummary } from '#app/models/server.server.ts'

const SERVER_INFO = { name: 'switchboard', version: '1' }

/** The MCP server that answers one request at `/mcp/<workspace>/<server>` for `caller`. */
export async function createPassthroughServer(caller: AgentCaller, context: EndpointContext): Promise<Server> {
  const serverId = caller.target.serverId
  const found = serverId ? await findServerForAgents(caller.workspaceId, serverId) : null
  if (!found) return refusingServer('This workspace has no such server.')
  const { server, availableToAgents } = found
  // The same sentences as the aggregated endpoint's refused calls, as a JSON-RPC error on every request.
  const unavailable = unavailableSentence(server, availableToAgents)
  if (unavailable) return refusingServer(unavailable)

  // What the upstream offers decides what we declare: asked of the pooled session (no request when it is warm).
  const opened = await withServerSession(caller.userId, server, async (client) => ({ capabilities: client.getServerCapabilities() ?? {} }))
  const call: PassthroughCall = { caller, server, availableToAgents, context }
  if (!opened.ok) return unreachableServer(call, opened.failure)

  const upstream = opened.value.capabilities
  const mcp = new Server(SERVER_INFO, {
    capabilities: declaredCapabilities(upstream),
    requestState: { verify: agentRequestStateCodec('passthrough').verify },
  })
  const onSession = <T>(fn: (client: Client) => Promise<T>) => forward(caller.userId, server, fn)
  const options = (ctx: { mcpReq: { signal: AbortSignal } }) => ({ timeout: server.timeoutMs, signal: cancellationOf(ctx.mcpReq.signal) })

  if (upstream.tools) {
    mcp.setRequestHandler('tools/list', async (request, ctx) => {
      const listed = await onSession((client) => client.listTools(pageOf(request.params), options(ctx)))
      // The policy's "off" hides a tool here as everywhere; its confirmation flag is ours, not the agent's.
      const tools = (await listedTools(caller.userId, server, listed.tools)).map(({ needsConfirmation: _needsConfirmation, ...tool }) => tool)
      return { tools, ...(listed.nextCursor ? { nextCursor: listed.nextCursor } : {}) }
    })
    mcp.setRequestHandler('tools/call', (request, ctx) => passthroughToolCall(call, request.params, ctx, streamWriter(mcp, ctx.mcpReq.id)))
  }
  if (upstream.resources) {
    mcp.setRequestHandler('resources/list', (request, ctx) =>
      onSession((client) => client.listResources(pageOf(request.params), options(ctx))).then(ownResult),
    )
    mcp.setRequestHandler('resources/templates/list', (request, ctx) =>
      onSession((client) => client.listResourceTemplates(pageOf(request.params), options(ctx))).then(ownResult),
    )
    mcp.setRequestHandler('resources/read', (request, ctx) =>
      onSession((client) => client.readResource({ uri: request.params.uri }, options(ctx))).then(ownResult),
    )
  }
  if (upstream.prompts) {
    mcp.setRequestHandler('prompts/list', (request, ctx) => onSession((client) => client.listPrompts(pageOf(request.params), options(ctx))).then(ownResult))
    mcp.setRequestHandler('prompts/get', (request, ctx) =>
      onSession((client) =>
        client.getPrompt({ name: request.params.name, ...(request.params.arguments ? { arguments: request.params.arguments } : {}) }, options(ctx)),
      ).then(ownResult),
    )
  }
  if (upstream.completions) {
    mcp.setRequestHandler('completion/complete', (request, ctx) => {
      const { ref, argument, context: completionContext } = request.params
      return onSession((client) => client.complete({ ref, argument, ...(completionContext ? { context: completionContext } : {}) }, options(ctx))).then(ownResult)
    })
  }
  return mcp
}

/**
 * Writes a server→client message on the response stream of request `requestId` (a 2025 agent's questions,
 * legacy-questions.server.ts). Straight to the transport: the SDK's own senders check the capabilities of an
 * `initialize` this stateless instance never saw, and number their requests from 0 on every instance, which would
 * not tell two calls of one session apart.
 */
function streamWriter(mcp: Server, requestId: RequestId): AgentStreamWriter {
  return async (message) => {
    if (!mcp.transport) throw new Error('The request has ended.')
    await mcp.transport.send(message, { relatedRequestId: requestId })
  }
}

/** Only what the upstream offers, and only what one stateless request can keep: no subscriptions, no list changes. */
function declaredCapabilities(upstream: ServerCapabilities): ServerCapabilities {
  return {
    ...(upstream.tools ? { tools: { listChanged: false } } : {}),
    ...(upstream.resources ? { resources: { subscribe: false, listChanged: false } } : {}),
    ...(upstream.prompts ? { prompts: { listChanged: false } } : {}),
    ...(upstream.completions ? { completions: {} } : {}),
    ...(upstream.logging ? { logging: {} } : {}),
  }
}

const PageSchema = z.object({ cursor: z.string().optional() }).optional()

/** The agent's paging cursor alone: its other params (its `_meta` envelope) are its request's, not the upstream's. */
function pageOf(params: unknown): { cursor: string } | undefined {
  const cursor = PageSchema.parse(params)?.cursor
  return cursor ? { cursor } : undefined
}


/** `fn` on the person's session of `server`; a failure becomes a JSON-RPC error whose message says what to do. */
async function forward<T>(userId: string, server: ServerSummary, fn: (client: Client) => Promise<T>): Promise<T> {
  const outcome = await withServerSession(userId, server, fn)
  if (outcome.ok) return outcome.value
  throw failureError(server, outcome.failure)
}

/**
 * Outside tools/call a sign-in the request needs is a JSON-RPC error naming Switchboard's page for the server
 * (ADR 035): only a tool call has a result to carry an elicitation, a retry to wait on, and an audit row.
 */
function failureError(server: ServerSummary, failure: ToolsFailure): ProtocolError {
  const message = stopsForSignIn(failure) ? `${signInSentence(server, failure)} ${serverPageUrl(server)} — then try again.` : failure.message
  return new ProtocolError(ProtocolErrorCode.InternalError, message)
}

/** A server that refuses every request with `message` (not this workspace's, turned off, not available to agents). */
function refusingServer(message: string): Server {
  const mcp = new Server(SERVER_INFO, { capabilities: { tools: { listChanged: false } } })
  const refuse = () => Promise.reject(new ProtocolError(ProtocolErrorCode.InvalidRequest, message))
  mcp.setRequestHandler('tools/list', refuse)
  mcp.setRequestHandler('tools/call', refuse)
  return mcp
}

/**
 * The upstream could not be reached for this person (not connected, Reconnect needed, a network failure): what it
 * offers is unknown, so tools, resources and prompts are declared and each request answers why, with the page
 * where the person can connect. A `tools/call` gets a tool error result (and is recorded).
 */
function unreachableServer(call: PassthroughCall, failure: ToolsFailure): Server {
  const mcp = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: false }, resources: { subscribe: false, listChanged: false }, prompts: { listChanged: false } },
    requestState: { verify: agentRequestStateCodec('passthrough').verify },
  })
  const fail = () => Promise.reject(failureError(call.server, failure))
  for (const method of ['tools/list', 'resources/list', 'resources/templates/list', 'resources/read', 'prompts/list', 'prompts/get'] as const) {
    mcp.setRequestHandler(method, fail)
  }
  // The call itself tries again (the person may have connected since), and is recorded either way.
  mcp.setRequestHandler('tools/call', (request, ctx) => passthroughToolCall(call, request.params, ctx, streamWriter(mcp, ctx.mcpReq.id)))
  return mcp
}
