import { createHash, randomUUID, timingSafeEqual } from 'node:crypto'
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js'
import { createDemoMcpServer, type DemoServerContext } from '#scripts/demo/tools.ts'

// The demo MCP server: what the README's start command runs next to the app, and the real peer
// the test suites talk to. Streamable HTTP with sessions, plus the legacy HTTP+SSE transport so
// clients can exercise the spec's fallback:
// https://modelcontextprotocol.io/specification/2025-06-18/basic/transports#backwards-compatibility

export type DemoTransport = 'streamable-http' | 'sse' | 'both'

export type DemoMcpServerOptions = {
  /** Address to bind. Default `127.0.0.1`. */
  host?: string
  /** Port to bind; 0 (the default) picks a free one. */
  port?: number
  /** When set, every request must carry `X-Api-Key: <apiKey>` or gets 401. */
  apiKey?: string
  /** Default `both`. */
  transport?: DemoTransport
  /** Path of the Streamable HTTP endpoint. Default `/mcp`. */
  path?: string
}

export type DemoMcpServerStats = {
  /** `initialize` requests received, over both transports. */
  initializeCount: number
  /** HTTP requests received, including rejected ones (401, 404, ...). */
  requestCount: number
  /** `tools/call` requests received, over both transports. */
  toolCalls: number
  /** Tool calls that stopped early because they were cancelled (or their session closed). */
  toolCallsCancelled: number
  /** Sessions currently open, over both transports. */
  sessionsOpen: number
  /** Headers of the most recent HTTP request (lower-case names; repeated headers joined with ", "). */
  lastHeaders: Record<string, string>
}

export type DemoMcpServer = {
  /** The Streamable HTTP endpoint, or the SSE endpoint when the transport is `sse` only. */
  url: string
  /** The legacy SSE endpoint (GET), when the transport is `sse` or `both`. */
  sseUrl?: string
  /** Closes every session and the listening socket. Safe to call twice. */
  close(): Promise<void>
  /** Forgets (and closes) every session, as a restart would: old session ids then get 404. */
  dropSessions(): void
  /** Live counters: the same object is updated in place. */
  stats: DemoMcpServerStats
}

export const API_KEY_HEADER = 'X-Api-Key'
const SSE_PATH = '/sse'
const SSE_MESSAGES_PATH = '/messages'
const MAX_BODY_BYTES = 4 * 1024 * 1024
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1'])

type Session =
  | { kind: 'streamable'; transport: StreamableHTTPServerTransport }
  | { kind: 'sse'; transport: SSEServerTransport }

type JsonBody = { ok: true; value: unknown } | { ok: false }

/** Starts a demo MCP server and resolves once it listens. Rejects when the port cannot be bound. */
export async function startDemoMcpServer(options: DemoMcpServerOptions = {}): Promise<DemoMcpServer> {
  const host = options.host ?? '127.0.0.1'
  const transport = options.transport ?? 'both'
  const mcpPath = options.path ?? '/mcp'
  if (!mcpPath.startsWith('/') || mcpPath === SSE_PATH || mcpPath === SSE_MESSAGES_PATH) {
    throw new Error(`path must start with "/" and differ from ${SSE_PATH} and ${SSE_MESSAGES_PATH}`)
  }
  const servesStreamable = transport !== 'sse'
  const servesSse = transport !== 'streamable-http'
  const expectedKeyDigest = options.apiKey === undefined ? undefined : sha256(options.apiKey)

  const stats: DemoMcpServerStats = {
    initializeCount: 0,
    requestCount: 0,
    toolCalls: 0,
    toolCallsCancelled: 0,
    sessionsOpen: 0,
    lastHeaders: {},
  }
  let tickets = 0
  const context: DemoServerContext = {
    nextTicketNumber: () => ++tickets,
    toolCallCancelled: () => {
      stats.toolCallsCancelled += 1
    },
  }
  const sessions = new Map<string, Session>()
  const updateSessionCount = () => {
    stats.sessionsOpen = sessions.size
  }
  const forget = (sessionId: string | undefined, session: Session['transport']) => {
    if (sessionId !== undefined && sessions.get(sessionId)?.transport === session) {
      sessions.delete(sessionId)
      updateSessionCount()
    }
  }
  const countMessages = (body: unknown) => {
    for (const message of Array.isArray(body) ? body : [body]) {
      const method = typeof message === 'object' && message !== null && 'method' in message ? message.method : undefined
      if (method === 'initialize') stats.initializeCount += 1
      if (method === 'tools/call') stats.toolCalls += 1
    }
  }

  let allowedHosts: Set<string> | undefined

  async function handleStreamable(req: IncomingMessage, res: ServerResponse) {
    if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'DELETE') {
      return methodNotAllowed(res, 'GET, POST, DELETE')
    }
    const sessionId = singleHeader(req.headers['mcp-session-id'])
    if (sessionId !== undefined) {
      const session = sessions.get(sessionId)
      // Spec: a request with an unknown or ended session id gets 404, and the client starts a new session.
      if (!session) return sendJsonRpcError(res, 404, -32001, 'Session not found')
      if (session.kind !== 'streamable') {
        return sendJsonRpcError(res, 400, -32000, 'Bad Request: this session uses the HTTP+SSE transport')
      }
      const body = req.method === 'POST' ? await readJsonBody(req, res) : undefined
      if (body && !body.ok) return
      countMessages(body?.value)
      return session.transport.handleRequest(req, res, body?.value)
    }
    if (req.method !== 'POST') {
      return sendJsonRpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required')
    }
    const body = await readJsonBody(req, res)
    if (!body.ok) return
    if (!isInitializeRequest(body.value)) {
      return sendJsonRpcError(res, 400, -32000, 'Bad Request: No valid session ID provided')
    }
    const streamable = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { kind: 'streamable', transport: streamable })
        updateSessionCount()
      },
    })
    // Set before connect(): the McpServer wraps the existing handler rather than replacing it.
    streamable.onclose = () => forget(streamable.sessionId, streamable)
    await createDemoMcpServer(context).connect(streamable)
    countMessages(body.value)
    return streamable.handleRequest(req, res, body.value)
  }

  async function openSseSession(res: ServerResponse) {
    const sse = new SSEServerTransport(SSE_MESSAGES_PATH, res)
    sessions.set(sse.sessionId, { kind: 'sse', transport: sse })
    updateSessionCount()
    sse.onclose = () => forget(sse.sessionId, sse)
    await createDemoMcpServer(context).connect(sse)
  }

  async function postSseMessage(req: IncomingMessage, res: ServerResponse, url: URL) {
    const sessionId = url.searchParams.get('sessionId')
    if (!sessionId) return sendJsonRpcError(res, 400, -32000, 'Bad Request: sessionId query parameter is required')
    const session = sessions.get(sessionId)
    if (!session) return sendJsonRpcError(res, 404, -32001, 'Session not found')
    if (session.kind !== 'sse') {
      return sendJsonRpcError(res, 400, -32000, 'Bad Request: this session uses the Streamable HTTP transport')
    }
    const body = await readJsonBody(req, res)
    if (!body.ok) return
    countMessages(body.value)
    return session.transport.handlePostMessage(req, res, body.value)
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    stats.requestCount += 1
    stats.lastHeaders = flattenHeaders(req.headers)
    // DNS rebinding protection for a server on a loopback address: a page on another site that
    // resolves its own name to 127.0.0.1 still sends its own name in Host.
    if (allowedHosts && !allowedHosts.has(req.headers.host ?? '')) {
      return sendJson(res, 403, { error: 'forbidden_host', message: 'Host header is not an address of this server' })
    }
    if (expectedKeyDigest) {
      const given = singleHeader(req.headers[API_KEY_HEADER.toLowerCase()])
      // Compare digests so timingSafeEqual gets equal lengths and the key length does not leak.
      if (given === undefined || !timingSafeEqual(sha256(given), expectedKeyDigest)) {
        // NOTE: no `WWW-Authenticate: Bearer` challenge on purpose. With one, an MCP client starts
        // OAuth discovery; without one it knows it needs a static header.
        return sendJson(res, 401, {
          error: 'invalid_api_key',
          message:
            given === undefined ? `Send the ${API_KEY_HEADER} header.` : `The ${API_KEY_HEADER} header is not the key.`,
        })
      }
    }
    const url = new URL(req.url ?? '/', 'http://demo.invalid')
    if (servesStreamable && url.pathname === mcpPath) return handleStreamable(req, res)
    if (servesSse && url.pathname === SSE_PATH) {
      // A POST here answers 405, like a server that predates Streamable HTTP, so the spec's fallback triggers.
      return req.method === 'GET' ? openSseSession(res) : methodNotAllowed(res, 'GET')
    }
    if (servesSse && url.pathname === SSE_MESSAGES_PATH) {
      return req.method === 'POST' ? postSseMessage(req, res, url) : methodNotAllowed(res, 'POST')
    }
    return sendJson(res, 404, { error: 'not_found', message: `Nothing at ${url.pathname}` })
  }

  const httpServer = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A bug in this server, not a client mistake: say so loudly (tests fail on console.error).
      console.error('demo MCP server: unexpected error', error)
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error', message: 'Unexpected error' })
      else res.end()
    })
  })

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject)
    httpServer.listen(options.port ?? 0, host, () => {
      httpServer.off('error', reject)
      resolve()
    })
  })
  const address = httpServer.address()
  if (address === null || typeof address === 'string') throw new Error('demo MCP server: no TCP address')
  const port = address.port
  if (LOOPBACK_HOSTS.has(host)) {
    allowedHosts = new Set(['127.0.0.1', 'localhost', '[::1]'].map((name) => `${name}:${port}`))
  }
  const origin = `http://${urlHost(host)}:${port}`
  const sseUrl = servesSse ? `${origin}${SSE_PATH}` : undefined

  let closing: Promise<void> | undefined
  const closeSessions = async () => {
    const open = [...sessions.values()]
    sessions.clear()
    updateSessionCount()
    await Promise.allSettled(open.map((session) => session.transport.close()))
  }

  return {
    url: servesStreamable ? `${origin}${mcpPath}` : `${origin}${SSE_PATH}`,
    sseUrl,
    stats,
    dropSessions() {
      void closeSessions()
    },
    close() {
      closing ??= (async () => {
        await closeSessions()
        await new Promise<void>((resolve, reject) => {
          httpServer.close((error) => (error ? reject(error) : resolve()))
          // A client that keeps its connection open (or a request still in flight) would keep close() waiting.
          httpServer.closeAllConnections()
        })
      })()
      return closing
    },
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1'
  if (host === '::') return '[::1]'
  return host.includes(':') ? `[${host}]` : host
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    const single = singleHeader(value)
    if (single !== undefined) flat[name] = single
  }
  return flat
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body))
}

function sendJsonRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
) {
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null }, headers)
}

function methodNotAllowed(res: ServerResponse, allow: string) {
  sendJsonRpcError(res, 405, -32000, `Method not allowed; use ${allow}`, { Allow: allow })
}

/** Reads and parses a JSON body; on failure it has already answered (400, 413) and returns `{ ok: false }`. */
function readJsonBody(req: IncomingMessage, res: ServerResponse): Promise<JsonBody> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data')
        req.resume()
        sendJsonRpcError(res, 413, -32000, `Request body is larger than ${MAX_BODY_BYTES} bytes`)
        resolve({ ok: false })
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return
      try {
        resolve({ ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) })
      } catch {
        sendJsonRpcError(res, 400, -32700, 'Parse error: Invalid JSON')
        resolve({ ok: false })
      }
    })
    // The client went away mid-body: nobody is left to answer.
    req.on('error', () => {
      res.destroy()
      resolve({ ok: false })
    })
  })
}
