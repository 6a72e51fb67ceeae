import http from 'node:http'
import { closeServer, listenOnLoopback } from '#tests/servers/peer-http.ts'

// A load balancer for tests: one origin on 127.0.0.1 in front of several app instances, without sticky sessions.
// Requests go round-robin (or all to one instance, `pin`), streamed both ways, so event streams pass through.

export type Balancer = {
  /** The origin clients use: the instances' PUBLIC_URL. */
  origin: string
  /** The instances behind it (their real origins). */
  setTargets(origins: string[]): void
  /** Sends everything to the instance at `index`, or round-robin again with null. */
  pin(index: number | null): void
  /** Which instance (index) served each request, in order, with its method and path. */
  served: Array<{ target: number; method: string; path: string }>
  close(): Promise<void>
}

/** Starts the balancer; set its targets once the instances listen (they need its origin first, as PUBLIC_URL). */
export async function startBalancer(): Promise<Balancer> {
  let targets: URL[] = []
  let pinned: number | null = null
  let next = 0
  const served: Balancer['served'] = []
  const server = http.createServer((req, res) => {
    if (targets.length === 0) {
      res.writeHead(503).end('no instance')
      return
    }
    const index = pinned ?? next++ % targets.length
    const target = targets[index] as URL
    served.push({ target: index, method: req.method ?? 'GET', path: req.url ?? '/' })
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end('instance unreachable')))
    res.on('close', () => upstream.destroy())
    req.pipe(upstream)
  })
  const origin = await listenOnLoopback(server)
  return {
    origin,
    setTargets: (origins) => (targets = origins.map((value) => new URL(value))),
    pin: (index) => (pinned = index),
    served,
    close: () => closeServer(server),
  }
}
