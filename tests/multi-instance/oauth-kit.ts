import { type IncomingMessage, type ServerResponse } from 'node:http'
import { loader as callbackLoader } from '#app/routes/oauth.callback.tsx'
import { action as connectAction } from '#app/routes/w.$workspaceId.servers.$serverId.connect.tsx'
import { closeServer } from '#tests/servers/peer-http.ts'
import { forward, readBody, startLoopbackServer, swapHost } from '#tests/support/rewriting-proxy.ts'
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
  let proxyHost = ''

  const toPeer = (text: string) => swapHost(text, proxyHost, targetHost)
  const toClient = (text: string) => swapHost(text, targetHost, proxyHost)

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
    const requestBody = toPeer(await readBody(req))
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
    forward({
      target,
      req,
      res,
      path,
      body: requestBody,
      toPeer,
      toClient,
      rewriteBody: toClient,
      onAnswer(status, headers) {
        exchange.status = status
        exchange.location = typeof headers.location === 'string' ? headers.location : null
      },
      onBody(body) {
        exchange.responseBody = body
      },
      name: 'proxy',
    })
  }

  const { server, origin, sockets } = await startLoopbackServer(handle)
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
