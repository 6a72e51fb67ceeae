import type http from 'node:http'
import { type IncomingMessage, type ServerResponse } from 'node:http'
import { type Socket } from 'node:net'
import { closeServer } from '#tests/servers/peer-http.ts'
import { forward, readBody, startLoopbackServer, swapHost } from '#tests/support/rewriting-proxy.ts'

// A fault proxy in front of one real peer (an SDK-built OAuth peer or the demo MCP server) for the
// fault suite. Unlike the switchable proxy of tests/multi-instance/oauth-kit.ts, it shows the peer
// on several origins ("faces"), one per outbound step, by rewriting the two metadata documents:
//
//   mcp       the MCP endpoint, its protected-resource metadata and 401 challenges
//   as        the authorization-server metadata (issuer) and the authorization endpoint
//   register  the registration endpoint      token   the token endpoint
//   revoke    the revocation endpoint
//
// so each step can be made to fail on its own, including "down" (nothing listens on the face's
// port: connection refused) while the other steps keep working.

export type Face = 'mcp' | 'as' | 'register' | 'token' | 'revoke'
export const FACES: readonly Face[] = ['mcp', 'as', 'register', 'token', 'revoke']

/**
 * `down`: the face's port refuses connections. `hang`: the request is read and never answered.
 * `status500`: an HTML error page with status 500. `garbage`: 200 with an HTML page (wrong content
 * type, not JSON). `truncated`: 200 with a body that stops halfway (the connection drops).
 * `huge`: 200 with a body (or event stream) bigger than `hugeBytes`, sent without Content-Length.
 */
export type FaultKind = 'down' | 'hang' | 'status500' | 'garbage' | 'truncated' | 'huge'
export const FAULT_KINDS: readonly FaultKind[] = ['down', 'hang', 'status500', 'garbage', 'truncated', 'huge']

export type FaultRule = {
  face: Face
  kind: FaultKind
  /** Only requests whose path starts with this. */
  path?: string
  /** Only requests whose body contains this (e.g. `grant_type=refresh_token`, `"method":"tools/call"`). */
  bodyContains?: string
  /** Only requests with this method. */
  method?: string
  /** For `huge`: how many bytes to send at least. */
  hugeBytes?: number
}

export type FaultExchange = { face: Face; method: string; path: string; body: string; fault: FaultKind | null; status: number }

export type FaultPeer = {
  /** The origin of each face, e.g. `http://127.0.0.1:PORT`. */
  origins: Record<Face, string>
  /** The peer's `url` (MCP endpoint, SSE endpoint, …) on the mcp face. */
  onMcpFace(url: string): string
  /** Makes matching requests fail; `down` closes the face's port at once. */
  fail(rule: FaultRule): Promise<void>
  /** Drops every rule and reopens closed faces on their ports. */
  recover(): Promise<void>
  /** Ends the open event streams of the mcp face (the stream breaks mid-session). */
  cutStreams(): Promise<void>
  /** Resolves once `count` requests are hung (waiting for an answer that never comes). */
  waitForHung(count?: number): Promise<void>
  /** Hung requests right now. */
  hungCount(): number
  exchanges: FaultExchange[]
  close(): Promise<void>
}

const GARBAGE_PAGE = '<!doctype html><html><head><title>Sign in to the network</title></head><body><h1>Please sign in</h1><p>This network requires you to log in.</p></body></html>'
const ERROR_PAGE = '<!doctype html><html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>'
const CHUNK = Buffer.alloc(64 * 1024, 'x')

const PRM_PATH = '/.well-known/oauth-protected-resource'
const AS_METADATA_PATHS = ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']

type FaceState = { face: Face; server: http.Server; port: number; origin: string; sockets: Set<Socket>; up: boolean }

/** Starts the faces in front of `peerOrigin` (e.g. `http://127.0.0.1:PORT`). */
export async function startFaultPeer(peerOrigin: string): Promise<FaultPeer> {
  const peer = new URL(peerOrigin)
  const rules: FaultRule[] = []
  const hung = new Set<ServerResponse>()
  const streams = new Set<ServerResponse>()
  const hungWaiters: Array<{ count: number; resolve: () => void }> = []
  const exchanges: FaultExchange[] = []
  const faces = new Map<Face, FaceState>()

  const notifyHung = () => {
    for (const waiter of [...hungWaiters]) {
      if (hung.size >= waiter.count) {
        hungWaiters.splice(hungWaiters.indexOf(waiter), 1)
        waiter.resolve()
      }
    }
  }

  /** Every face origin (raw and form-encoded) → the peer's. */
  const toPeer = (text: string) => {
    let out = text
    for (const state of faces.values()) out = swapHost(out, `127.0.0.1:${state.port}`, peer.host)
    return out
  }
  const originOf = (face: Face) => faces.get(face)?.origin ?? ''
  /** The peer's origin in `value` → the face's. */
  const onFace = (value: unknown, face: Face) => (typeof value === 'string' ? swapHost(value, peer.host, `127.0.0.1:${faces.get(face)?.port ?? 0}`) : value)

  /** The metadata documents name one face per step; everything else mentions the face it came from. */
  function rewriteBody(face: Face, path: string, body: string, contentType: string): string {
    if (contentType.includes('json') && path.startsWith(PRM_PATH)) {
      const document = parseObject(body)
      if (document) {
        document.resource = onFace(document.resource, 'mcp')
        if (Array.isArray(document.authorization_servers)) document.authorization_servers = document.authorization_servers.map((entry) => onFace(entry, 'as'))
        return JSON.stringify(document)
      }
    }
    if (contentType.includes('json') && AS_METADATA_PATHS.some((prefix) => path.startsWith(prefix))) {
      const document = parseObject(body)
      if (document) {
        document.issuer = onFace(document.issuer, 'as')
        document.authorization_endpoint = onFace(document.authorization_endpoint, 'as')
        document.token_endpoint = onFace(document.token_endpoint, 'token')
        if (document.registration_endpoint) document.registration_endpoint = onFace(document.registration_endpoint, 'register')
        if (document.revocation_endpoint) document.revocation_endpoint = onFace(document.revocation_endpoint, 'revoke')
        return JSON.stringify(document)
      }
    }
    return swapHost(body, peer.host, `127.0.0.1:${faces.get(face)?.port ?? 0}`)
  }

  function matchRule(face: Face, method: string, path: string, body: string): FaultRule | null {
    return (
      rules.find(
        (rule) =>
          rule.face === face &&
          rule.kind !== 'down' &&
          (rule.method === undefined || rule.method === method) &&
          (rule.path === undefined || path.startsWith(rule.path)) &&
          (rule.bodyContains === undefined || body.includes(rule.bodyContains)),
      ) ?? null
    )
  }

  async function answerWithFault(rule: FaultRule, req: IncomingMessage, res: ServerResponse, exchange: FaultExchange) {
    const eventStream = (req.headers.accept ?? '').includes('text/event-stream') && req.method === 'GET'
    switch (rule.kind) {
      case 'hang':
        hung.add(res)
        res.on('close', () => hung.delete(res))
        notifyHung()
        return
      case 'status500':
        exchange.status = 500
        res.writeHead(500, { 'Content-Type': 'text/html; charset=utf-8' }).end(ERROR_PAGE)
        return
      case 'garbage':
        exchange.status = 200
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(GARBAGE_PAGE)
        return
      case 'truncated': {
        exchange.status = 200
        const start = eventStream ? 'event: endpoint\ndata: /messages?sessionId=' : '{"jsonrpc":"2.0","id":0,"result":{"issuer":"http://127.0.0.1/","access_token":"'
        res.writeHead(200, { 'Content-Type': eventStream ? 'text/event-stream' : 'application/json', 'Content-Length': String(4096) })
        res.write(start)
        // The rest never comes: the connection drops mid-body.
        setTimeout(() => res.socket?.destroy(), 20).unref()
        return
      }
      case 'huge':
        exchange.status = 200
        await sendHuge(res, rule.hugeBytes ?? 6 * 1024 * 1024, eventStream)
        return
      case 'down':
        return
    }
  }

  async function handle(face: Face, req: IncomingMessage, res: ServerResponse) {
    const body = toPeer(await readBody(req))
    const path = toPeer(req.url ?? '/')
    const method = req.method ?? 'GET'
    const exchange: FaultExchange = { face, method, path, body, fault: null, status: 0 }
    exchanges.push(exchange)
    const rule = matchRule(face, method, path, body)
    if (rule) {
      exchange.fault = rule.kind
      await answerWithFault(rule, req, res, exchange)
      return
    }
    forward({
      target: peer,
      req,
      res,
      path,
      body,
      toPeer,
      toClient: (text) => swapHost(text, peer.host, `127.0.0.1:${faces.get(face)?.port ?? 0}`),
      rewriteBody: (text, contentType) => rewriteBody(face, path, text, contentType),
      onAnswer(status) {
        exchange.status = status
      },
      onStream(stream) {
        streams.add(stream)
        stream.on('close', () => streams.delete(stream))
      },
      name: 'fault peer',
    })
  }

  async function openFace(face: Face): Promise<FaceState> {
    const { server, sockets, origin, port } = await startLoopbackServer((req, res) => handle(face, req, res))
    return { face, server, sockets, origin, port, up: true }
  }

  async function takeDown(state: FaceState) {
    if (!state.up) return
    state.up = false
    for (const socket of state.sockets) socket.destroy()
    await closeServer(state.server)
    // Let clients see their connections close, as they would when a server stops (an I/O turn).
    await new Promise((resolve) => setTimeout(resolve, 20))
  }

  async function bringUp(state: FaceState) {
    if (state.up) return
    // The same port again, so the URLs stored by the app stay right.
    await new Promise<void>((resolve, reject) => {
      state.server.once('error', reject)
      state.server.listen(state.port, '127.0.0.1', () => {
        state.server.off('error', reject)
        resolve()
      })
    })
    state.up = true
  }

  for (const face of FACES) faces.set(face, await openFace(face))
  const origins: Record<Face, string> = { mcp: originOf('mcp'), as: originOf('as'), register: originOf('register'), token: originOf('token'), revoke: originOf('revoke') }

  let closing: Promise<void> | undefined
  return {
    origins,
    onMcpFace: (url) => swapHost(url, peer.host, `127.0.0.1:${faces.get('mcp')?.port ?? 0}`),
    async fail(rule) {
      rules.push({ ...rule })
      if (rule.kind === 'down') {
        const state = faces.get(rule.face)
        if (state) await takeDown(state)
      }
    },
    async recover() {
      // Hung requests stay hung (the client's own timeout ends them), as with a server that
      // comes back without ever answering what it had swallowed.
      rules.length = 0
      for (const state of faces.values()) await bringUp(state)
    },
    async cutStreams() {
      for (const res of streams) res.destroy()
      streams.clear()
      // Let both ends see the break (an I/O turn), as they would on a real network.
      await new Promise((resolve) => setTimeout(resolve, 20))
    },
    waitForHung(count = 1) {
      return new Promise<void>((resolve) => {
        hungWaiters.push({ count, resolve })
        notifyHung()
      })
    },
    hungCount: () => hung.size,
    exchanges,
    close() {
      closing ??= (async () => {
        rules.length = 0
        for (const res of [...hung, ...streams]) res.destroy()
        for (const state of faces.values()) if (state.up) await takeDown(state)
      })()
      return closing
    },
  }
}

/** Sends at least `bytes` bytes (JSON or event-stream comments), honouring backpressure, until the client gives up. */
async function sendHuge(res: ServerResponse, bytes: number, eventStream: boolean) {
  res.writeHead(200, { 'Content-Type': eventStream ? 'text/event-stream' : 'application/json' })
  const comment = Buffer.from(`: ${'x'.repeat(CHUNK.length - 4)}\n\n`)
  let sent = 0
  let gone = false
  res.on('close', () => {
    gone = true
  })
  if (!eventStream) {
    res.write('{"jsonrpc":"2.0","padding":"')
  }
  while (sent < bytes && !gone) {
    const ok = res.write(eventStream ? comment : CHUNK)
    sent += CHUNK.length
    if (!ok) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done)
          res.off('close', done)
          resolve()
        }
        res.on('drain', done)
        res.on('close', done)
      })
    }
  }
  if (!gone) res.end(eventStream ? '' : '"}')
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text)
    return isRecord(value) ? value : null
  } catch {
    return null
  }
}
