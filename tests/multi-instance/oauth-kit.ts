import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import { type Socket } from 'node:net'
import { loader as callbackLoader } from '#app/routes/oauth.callback.tsx'
import { action as connectAction } from '#app/routes/w.$workspaceId.servers.$serverId.connect.tsx'
import { closeServer, listenOnLoopback } from '#tests/servers/peer-http.ts'
import { formRequest, getRequest, headersOf, loadContext, settle, statusOf } from '#tests/utils.ts'

// Helpers shared by the OAuth lifecycle tests and the app-instance worker processes
// (tests/multi-instance/app-instance.ts). No Vitest imports: the workers run outside Vitest.

// --- Connect through the real routes --------------------------------------------------------------

/** Fetches the authorization URL of an auto-approving peer (the SDK peers) and returns where it redirects. */
export async function autoApprove(authorizationUrl: string): Promise<string> {
  const response = await fetch(authorizationUrl, { redirect: 'manual' })
  await response.arrayBuffer()
  const location = response.headers.get('Location')
  if (response.status !== 302 || !location) throw new Error(`authorization was not approved (HTTP ${response.status})`)
  return location
}

export type ConnectStep = { status: number; location: string }

/** The Connect form's action (POST → 302 to the authorization server). */
export async function startConnectRoute(workspaceId: string, serverId: string, cookie: string, fields: Record<string, string> = {}): Promise<ConnectStep> {
  const result = await settle(() =>
    connectAction({
      request: formRequest(`/w/${workspaceId}/servers/${serverId}/connect`, { intent: 'connect', ...fields }, cookie),
      params: { workspaceId, serverId },
      context: loadContext(),
    }),
  )
  return { status: statusOf(result), location: headersOf(result).get('Location') ?? '' }
}

/** The callback loader for the URL the authorization server sent the browser back to. */
export async function finishCallbackRoute(callbackUrl: string, cookie: string): Promise<ConnectStep & { result: unknown }> {
  const back = new URL(callbackUrl)
  const result = await settle(() => callbackLoader({ request: getRequest(`${back.pathname}${back.search}`, cookie), params: {}, context: loadContext() }))
  return { status: statusOf(result), location: headersOf(result).get('Location') ?? '', result }
}

/**
 * Connect → approve at the peer → callback, the way a browser walks it. Throws unless every step
 * answered as a successful Connect does (302, 302 back to the app, 302 to the server page).
 */
export async function connectThroughRoutes(input: {
  workspaceId: string
  serverId: string
  cookie: string
  approve?: (authorizationUrl: string) => Promise<string>
}): Promise<{ authorizationUrl: string; callbackUrl: string }> {
  const started = await startConnectRoute(input.workspaceId, input.serverId, input.cookie)
  if (started.status !== 302 || !/^https?:\/\//.test(started.location)) {
    throw new Error(`Connect did not redirect to the authorization server (HTTP ${started.status}, ${started.location})`)
  }
  const callbackUrl = await (input.approve ?? autoApprove)(started.location)
  const finished = await finishCallbackRoute(callbackUrl, input.cookie)
  if (finished.status !== 302 || finished.location !== `/w/${input.workspaceId}/servers/${input.serverId}`) {
    throw new Error(`the callback did not complete the Connect (HTTP ${finished.status}, ${finished.location})`)
  }
  return { authorizationUrl: started.location, callbackUrl }
}

// --- A switchable proxy in front of a peer -------------------------------------------------------

/**
 * What the proxy does with a matching request: `status500` answers 500 itself, `reset` drops
 * the connection (the server "is down"), `hang` never answers (the client has to time out),
 * `hold` forwards it only when `release()` is called.
 */
export type FaultMode = 'status500' | 'reset' | 'hang' | 'hold'

export type Fault = {
  /** Path prefix, e.g. `/token`. */
  path: string
  mode: FaultMode
  /** Only requests whose body contains this text (e.g. `grant_type=refresh_token`). */
  bodyContains?: string
  /** How many requests it applies to; unlimited when absent. */
  times?: number
}

/** One request that went through the proxy (bodies as the client and the client's side saw them). */
export type ProxyExchange = {
  method: string
  path: string
  requestBody: string
  status: number
  responseBody: string
  location: string | null
  fault: FaultMode | null
}

export type PeerProxy = {
  /** `http://127.0.0.1:PORT`: the peer's origin as the app sees it. */
  origin: string
  /** `url` of the peer with the proxy's origin instead. */
  rewrite(url: string): string
  fail(fault: Fault): void
  /** Drops every fault; held requests are released. */
  recover(): void
  /** Forwards the held requests. */
  release(): void
  /** Resolves once `count` requests are being held. */
  waitForHeld(count?: number): Promise<void>
  exchanges: ProxyExchange[]
  close(): Promise<void>
}

/**
 * A reverse proxy on 127.0.0.1 that makes a peer appear at another origin: every mention of the
 * peer's host:port (raw or form-encoded) in requests and responses is swapped, so discovery,
 * RFC 8707 `resource` and challenges stay consistent. Event streams pass through untouched.
 * Faults let a test make one endpoint fail and recover, which the peers cannot do themselves.
 */
export async function startPeerProxy(peerOrigin: string): Promise<PeerProxy> {
  const target = new URL(peerOrigin)
  const targetHost = target.host
  const faults: Fault[] = []
  const held: Array<() => void> = []
  const heldWaiters: Array<{ count: number; resolve: () => void }> = []
  const hanging = new Set<ServerResponse>()
  const exchanges: ProxyExchange[] = []
  const sockets = new Set<Socket>()
  let proxyHost = ''

  const swap = (text: string, from: string, to: string) => {
    const [fromHost = '', fromPort = ''] = from.split(':')
    const [toHost = '', toPort = ''] = to.split(':')
    const escapedHost = fromHost.replace(/\./g, '\\.')
    return text
      .replace(new RegExp(`${escapedHost}:${fromPort}(?!\\d)`, 'g'), `${toHost}:${toPort}`)
      .replace(new RegExp(`${escapedHost}%3A${fromPort}(?!\\d)`, 'gi'), `${toHost}%3A${toPort}`)
  }
  const toPeer = (text: string) => swap(text, proxyHost, targetHost)
  const toClient = (text: string) => swap(text, targetHost, proxyHost)

  function rewriteHeaders(headers: IncomingHttpHeaders, rewrite: (text: string) => string): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {}
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined || name === 'content-length' || name === 'transfer-encoding' || name === 'connection' || name === 'keep-alive') continue
      out[name] = Array.isArray(value) ? value.map(rewrite) : rewrite(value)
    }
    return out
  }

  function notifyHeld() {
    for (const waiter of [...heldWaiters]) {
      if (held.length >= waiter.count) {
        heldWaiters.splice(heldWaiters.indexOf(waiter), 1)
        waiter.resolve()
      }
    }
  }

  function matchFault(path: string, body: string): Fault | null {
    const fault = faults.find((entry) => path.startsWith(entry.path) && (entry.bodyContains === undefined || body.includes(entry.bodyContains)) && (entry.times === undefined || entry.times > 0))
    if (!fault) return null
    if (fault.times !== undefined) fault.times -= 1
    return fault
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(Buffer.from(chunk))
    const requestBody = toPeer(Buffer.concat(chunks).toString('utf8'))
    const path = toPeer(req.url ?? '/')
    const exchange: ProxyExchange = { method: req.method ?? 'GET', path, requestBody, status: 0, responseBody: '', location: null, fault: null }
    exchanges.push(exchange)
    const fault = matchFault(path, requestBody)
    exchange.fault = fault?.mode ?? null
    if (fault?.mode === 'status500') {
      exchange.status = 500
      exchange.responseBody = 'proxy: the upstream is failing'
      res.writeHead(500, { 'Content-Type': 'text/plain' })
      res.end(exchange.responseBody)
      return
    }
    if (fault?.mode === 'reset') {
      req.socket.destroy()
      return
    }
    if (fault?.mode === 'hang') {
      hanging.add(res)
      return
    }
    if (fault?.mode === 'hold') {
      await new Promise<void>((resolve) => {
        held.push(resolve)
        notifyHeld()
      })
    }
    const upstream = http.request({
      host: target.hostname,
      port: target.port,
      method: req.method,
      path,
      headers: { ...rewriteHeaders(req.headers, toPeer), host: targetHost, 'content-length': String(Buffer.byteLength(requestBody)), 'accept-encoding': 'identity' },
    })
    upstream.on('response', (answer) => {
      const headers = rewriteHeaders(answer.headers, toClient)
      exchange.status = answer.statusCode ?? 0
      exchange.location = typeof headers.location === 'string' ? headers.location : null
      if ((answer.headers['content-type'] ?? '').includes('text/event-stream')) {
        res.writeHead(answer.statusCode ?? 502, headers)
        answer.pipe(res)
        return
      }
      const parts: Buffer[] = []
      answer.on('data', (chunk: Buffer) => parts.push(chunk))
      answer.on('end', () => {
        const body = toClient(Buffer.concat(parts).toString('utf8'))
        exchange.responseBody = body
        res.writeHead(answer.statusCode ?? 502, { ...headers, 'content-length': String(Buffer.byteLength(body)) })
        res.end(body)
      })
      answer.on('error', () => res.destroy())
    })
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' })
      res.end('proxy: upstream error')
    })
    res.on('close', () => upstream.destroy())
    upstream.end(requestBody)
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => res.destroy())
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  const origin = await listenOnLoopback(server)
  proxyHost = new URL(origin).host

  const release = () => {
    for (const resolve of held.splice(0)) resolve()
  }
  let closing: Promise<void> | undefined
  return {
    origin,
    rewrite: (url) => toClient(url),
    fail: (fault) => faults.push({ ...fault }),
    recover() {
      faults.length = 0
      release()
    },
    release,
    waitForHeld(count = 1) {
      return new Promise<void>((resolve) => {
        heldWaiters.push({ count, resolve })
        notifyHeld()
      })
    },
    exchanges,
    close() {
      closing ??= (async () => {
        faults.length = 0
        release()
        for (const res of hanging) res.destroy()
        for (const socket of sockets) socket.destroy()
        await closeServer(server)
      })()
      return closing
    },
  }
}
