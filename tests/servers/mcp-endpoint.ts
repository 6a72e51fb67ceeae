import { randomUUID } from 'node:crypto'
import express, { type Request, type Response, type Router } from 'express'
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js'
import { type OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js'
import { createDemoMcpServer, type DemoServerContext } from '#scripts/demo/tools.ts'
import { createV2Handler, type McpPeerEra, serveWithV2Handler } from '#tests/servers/mcp-v2-endpoint.ts'
import { asyncHandler, quoteParam } from '#tests/servers/peer-http.ts'

// The protected MCP endpoint of the OAuth test peers: the demo tools over Streamable HTTP (stateful),
// behind the SDK's requireBearerAuth, plus an optional scope per tool for step-up tests.

export type McpEndpointStats = {
  /** HTTP requests to the MCP endpoint, refused ones included. */
  requests: number
  /** Answers 401 (no token, unknown, revoked, expired or wrong-audience token). */
  unauthorized: number
  /** Answers 403 `insufficient_scope`. */
  insufficientScope: number
  /** `initialize` requests that got through. */
  initializeCount: number
  /** `tools/call` requests that got through. */
  toolCalls: number
  sessionsOpen: number
  /** Every session opened, in order. */
  sessionIds: string[]
  /** DELETEs received (a client ending its session), answered or not yet. */
  sessionDeletesReceived: number
  /**
   * Every answered DELETE, with the answer (200 when the token worked, 401 when not) and the
   * `Authorization` it carried, so a test can tell whose token reached this server.
   */
  sessionDeletes: Array<{ sessionId: string | null; status: number; authorization: string | null }>
  /** Every distinct `Authorization` value this endpoint received, on any request. */
  authorizations: Set<string>
}

export type ChallengeScope = 'granted-and-required' | 'required'

export type ProtectedMcpEndpointOptions = {
  peer: string
  verifier: OAuthTokenVerifier
  /** Put into every `WWW-Authenticate` challenge (RFC 9728 §5.1); without it, challenges are 2025-03-26 style. */
  resourceMetadataUrl: string | undefined
  /** Tokens must have been issued for this resource (RFC 8707 audience). */
  resource: URL
  /** Scopes every request needs; a token without them gets 403 `insufficient_scope`. */
  requiredScopes: readonly string[]
  /** Tool name → the extra scope a `tools/call` of it needs. */
  toolScopes: Readonly<Record<string, string>>
  /**
   * What the `scope` of a 403 challenge lists: the token's scopes plus the missing ones (MCP
   * 2025-11-25 "Scope Challenge Handling", recommended), or only the scopes the request needs.
   */
  challengeScope: ChallengeScope
  /** Default true. False drops `WWW-Authenticate` from every 401/403: a server that only says "401". */
  bearerChallenge?: boolean
  stats: McpEndpointStats
  /**
   * Tools whose `tools/call` is always refused with 403 `insufficient_scope` naming the token's
   * own scopes (and the tool's scope): a server that refuses a scope it granted. Default none.
   */
  scopeRefusedTools?: readonly string[]
  /** Awaited before a DELETE is handled: a server slow to end sessions. Default none. */
  beforeSessionDelete?: () => Promise<void>
  /** Which SDK serves MCP behind the bearer check (mcp-v2-endpoint.ts). Default `v1`. */
  era?: McpPeerEra
}

export type ProtectedMcpEndpoint = {
  router: Router
  closeSessions(): Promise<void>
}

type Session = { transport: StreamableHTTPServerTransport; clientId: string }

export function createMcpEndpointStats(): McpEndpointStats {
  return {
    requests: 0,
    unauthorized: 0,
    insufficientScope: 0,
    initializeCount: 0,
    toolCalls: 0,
    sessionsOpen: 0,
    sessionIds: [],
    sessionDeletesReceived: 0,
    sessionDeletes: [],
    authorizations: new Set(),
  }
}

/** An Express router that serves the MCP endpoint at its root; mount it at the MCP path. */
export function createProtectedMcpEndpoint(options: ProtectedMcpEndpointOptions): ProtectedMcpEndpoint {
  const { stats } = options
  const sessions = new Map<string, Session>()
  let tickets = 0
  const context: DemoServerContext = { nextTicketNumber: () => ++tickets, toolCallCancelled: () => {} }

  const era = options.era ?? 'v1'
  const v2Handler = era === 'v1' ? null : createV2Handler(era)
  const router = express.Router()
  router.use((req, res, next) => {
    stats.requests += 1
    const authorization = req.get('authorization') ?? null
    if (authorization !== null) stats.authorizations.add(authorization)
    res.on('finish', () => {
      if (res.statusCode === 401) stats.unauthorized += 1
      if (res.statusCode === 403) stats.insufficientScope += 1
      if (req.method === 'DELETE') stats.sessionDeletes.push({ sessionId: req.get('mcp-session-id') ?? null, status: res.statusCode, authorization })
    })
    next()
  })
  const { beforeSessionDelete } = options
  if (beforeSessionDelete) {
    router.use((req, _res, next) => {
      if (req.method !== 'DELETE') return next()
      stats.sessionDeletesReceived += 1
      beforeSessionDelete().then(() => next(), next)
    })
  } else {
    router.use((req, _res, next) => {
      if (req.method === 'DELETE') stats.sessionDeletesReceived += 1
      next()
    })
  }
  if (options.bearerChallenge === false) {
    router.use((_req, res, next) => {
      const setHeader = res.setHeader.bind(res)
      res.setHeader = (name, value) => (name.toLowerCase() === 'www-authenticate' ? res : setHeader(name, value))
      next()
    })
  }
  router.use(
    requireBearerAuth({
      verifier: options.verifier,
      requiredScopes: [...options.requiredScopes],
      resourceMetadataUrl: options.resourceMetadataUrl,
      expectedResource: options.resource,
    }),
  )
  router.use(express.json({ limit: '4mb' }))
  router.all(
    '/',
    asyncHandler(options.peer, async (req, res) => {
      const auth = req.auth
      if (!auth) throw new Error('requireBearerAuth let a request through without auth info')
      if (refuseMissingToolScope(req, res, auth.scopes, options)) return
      if (v2Handler) {
        countMessages(req.body, stats)
        await serveWithV2Handler(v2Handler, req, res, auth)
        return
      }

      const sessionId = req.get('mcp-session-id')
      if (sessionId !== undefined) {
        const session = sessions.get(sessionId)
        // A session belongs to the client that opened it: another client's token does not reach it.
        if (!session || session.clientId !== auth.clientId) {
          res.status(404).json({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null })
          return
        }
        countMessages(req.body, stats)
        await session.transport.handleRequest(req, res, req.body)
        return
      }
      if (req.method !== 'POST' || !isInitializeRequest(req.body)) {
        res.status(400).json({
          jsonrpc: '2.0',
          error: { code: -32000, message: 'Bad Request: No valid session ID provided' },
          id: null,
        })
        return
      }
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.set(id, { transport, clientId: auth.clientId })
          stats.sessionsOpen = sessions.size
          stats.sessionIds.push(id)
        },
      })
      transport.onclose = () => {
        const id = transport.sessionId
        if (id !== undefined && sessions.get(id)?.transport === transport) {
          sessions.delete(id)
          stats.sessionsOpen = sessions.size
        }
      }
      await createDemoMcpServer(context).connect(transport)
      countMessages(req.body, stats)
      await transport.handleRequest(req, res, req.body)
    }),
  )

  return {
    router,
    async closeSessions() {
      const open = [...sessions.values()]
      sessions.clear()
      stats.sessionsOpen = 0
      await Promise.allSettled(open.map((session) => session.transport.close()))
    },
  }
}

/** Answers 403 with an `insufficient_scope` challenge when a `tools/call` needs a scope the token lacks. */
function refuseMissingToolScope(
  req: Request,
  res: Response,
  granted: string[],
  options: ProtectedMcpEndpointOptions,
): boolean {
  const needed = toolNamesCalled(req.body).flatMap((name) => {
    const scope = options.toolScopes[name]
    return scope === undefined ? [] : [scope]
  })
  const missing = needed.filter((scope) => !granted.includes(scope))
  const refusedAnyway = toolNamesCalled(req.body).some((name) => options.scopeRefusedTools?.includes(name))
  if (missing.length === 0 && !refusedAnyway) return false
  const required = [...options.requiredScopes, ...needed]
  const scope = [...new Set(options.challengeScope === 'required' ? required : [...granted, ...required])].join(' ')
  const description = missing.length > 0 ? `This tool needs the scope ${missing.join(' ')}` : 'This tool is refused'
  // RFC 6750 §3.1 and MCP "Scope Challenge Handling": 403 with the scopes to ask for.
  const resourceMetadata =
    options.resourceMetadataUrl === undefined ? '' : `, resource_metadata=${quoteParam(options.resourceMetadataUrl)}`
  res.set(
    'WWW-Authenticate',
    `Bearer error="insufficient_scope", scope=${quoteParam(scope)}${resourceMetadata}, error_description=${quoteParam(
      description,
    )}`,
  )
  res.status(403).json({ error: 'insufficient_scope', error_description: description })
  return true
}

function messagesOf(body: unknown): unknown[] {
  return Array.isArray(body) ? body : [body]
}

function toolNamesCalled(body: unknown): string[] {
  return messagesOf(body).flatMap((message) => {
    if (typeof message !== 'object' || message === null) return []
    if (!('method' in message) || message.method !== 'tools/call') return []
    const params = 'params' in message ? message.params : undefined
    const name = typeof params === 'object' && params !== null && 'name' in params ? params.name : undefined
    return typeof name === 'string' ? [name] : []
  })
}

function countMessages(body: unknown, stats: McpEndpointStats) {
  for (const message of messagesOf(body)) {
    const method = typeof message === 'object' && message !== null && 'method' in message ? message.method : undefined
    if (method === 'initialize') stats.initializeCount += 1
    if (method === 'tools/call') stats.toolCalls += 1
  }
}
