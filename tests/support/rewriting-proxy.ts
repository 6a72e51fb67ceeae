import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import { type Socket } from 'node:net'
import { listenOnLoopback } from '#tests/servers/peer-http.ts'

// The parts the two rewriting HTTP proxies of the suite share: the switchable proxy of
// tests/multi-instance/oauth-kit.ts (one origin, faults on demand) and the fault peer of
// tests/faults/fault-peer.ts (one origin per OAuth step). Both show a real peer at another origin by
// swapping its host:port in everything that passes, and forward to it.

/** `text` with every `from` host:port (raw, and form-encoded as host%3Aport) replaced by `to`. */
export function swapHost(text: string, from: string, to: string): string {
  const [fromHost = '', fromPort = ''] = from.split(':')
  const [toHost = '', toPort = ''] = to.split(':')
  const escapedHost = fromHost.replace(/\./g, '\\.')
  return text
    .replace(new RegExp(`${escapedHost}:${fromPort}(?!\\d)`, 'g'), `${toHost}:${toPort}`)
    .replace(new RegExp(`${escapedHost}%3A${fromPort}(?!\\d)`, 'gi'), `${toHost}%3A${toPort}`)
}

/**
 * `headers` with every value passed through `rewrite`. Hop-by-hop and length headers are left out: the
 * proxy may change the body's length and sets Content-Length itself.
 */
export function rewriteHeaders(headers: IncomingHttpHeaders, rewrite: (text: string) => string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name === 'content-length' || name === 'transfer-encoding' || name === 'connection' || name === 'keep-alive') continue
    out[name] = Array.isArray(value) ? value.map(rewrite) : rewrite(value)
  }
  return out
}

/** The whole request body as UTF-8 text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks).toString('utf8')
}

export type ForwardOptions = {
  /** The peer's origin. */
  target: URL
  req: IncomingMessage
  res: ServerResponse
  /** The request's path and body, already rewritten for the peer. */
  path: string
  body: string
  /** Rewrites request header values for the peer, and response header values for the client. */
  toPeer: (text: string) => string
  toClient: (text: string) => string
  /** The response body the client gets; event streams pass through untouched. */
  rewriteBody: (body: string, contentType: string) => string
  /** Called when the peer's answer starts (status and the headers the client gets). */
  onAnswer?: (status: number, headers: Record<string, string | string[]>) => void
  /** Called for an event stream, before it is piped through. */
  onStream?: (res: ServerResponse) => void
  /** Called with the body the client gets (not for event streams). */
  onBody?: (body: string) => void
  /** Names the proxy in the 502 it answers when the peer cannot be reached. */
  name: string
}

/** Sends one request on to the peer and its answer back, rewritten; a 502 when the peer cannot be reached. */
export function forward(options: ForwardOptions): void {
  const { target, req, res, path, body } = options
  const upstream = http.request({
    host: target.hostname,
    port: target.port,
    method: req.method ?? 'GET',
    path,
    headers: { ...rewriteHeaders(req.headers, options.toPeer), host: target.host, 'content-length': String(Buffer.byteLength(body)), 'accept-encoding': 'identity' },
  })
  upstream.on('response', (answer) => {
    const headers = rewriteHeaders(answer.headers, options.toClient)
    const contentType = String(answer.headers['content-type'] ?? '')
    const status = answer.statusCode ?? 502
    options.onAnswer?.(answer.statusCode ?? 0, headers)
    if (contentType.includes('text/event-stream')) {
      res.writeHead(status, headers)
      options.onStream?.(res)
      answer.pipe(res)
      return
    }
    const parts: Buffer[] = []
    answer.on('data', (chunk: Buffer) => parts.push(chunk))
    answer.on('end', () => {
      const text = options.rewriteBody(Buffer.concat(parts).toString('utf8'), contentType)
      options.onBody?.(text)
      res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(text)) })
      res.end(text)
    })
    answer.on('error', () => res.destroy())
  })
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' })
    res.end(`${options.name}: upstream error`)
  })
  res.on('close', () => upstream.destroy())
  upstream.end(body)
}

export type LoopbackServer = { server: http.Server; origin: string; port: number; sockets: Set<Socket> }

/**
 * An HTTP server on a free 127.0.0.1 port whose open sockets are tracked, so that a proxy can drop
 * every connection at once (a peer going down). A handler that throws destroys its response.
 */
export async function startLoopbackServer(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<LoopbackServer> {
  const sockets = new Set<Socket>()
  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => res.destroy())
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  const origin = await listenOnLoopback(server)
  return { server, origin, port: Number(new URL(origin).port), sockets }
}
