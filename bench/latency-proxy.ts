// A server across a network, on one machine: an HTTP relay in front of a local MCP server that holds every request
// and every piece of the answer for `oneWayMs` (ADR 037). Both sides of a comparison go through the same relay, so
// what it adds is the network distance to the server, the same for a direct client and for Switchboard.
import http from 'node:http'
import type { Readable, Writable } from 'node:stream'

export type LatencyProxy = { url: string; close(): Promise<void> }

/** Writes what `from` yields to `to`, each piece `delayMs` after it came, in order (timers of one delay fire in order). */
function delayedPipe(from: Readable, to: Writable, delayMs: number): void {
  from.on('data', (chunk: Buffer) => setTimeout(() => to.write(chunk), delayMs))
  from.on('end', () => setTimeout(() => to.end(), delayMs))
}

/** Relays `target` (an http URL) at a round trip of `2 × oneWayMs`; the relay's URL has the target's path. */
export async function startLatencyProxy(target: string, oneWayMs: number): Promise<LatencyProxy> {
  const upstream = new URL(target)
  const agent = new http.Agent({ keepAlive: true })
  const server = http.createServer((req, res) => {
    const forwarded = http.request({
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      // The server checks Host (DNS-rebinding protection): it is asked under its own name.
      headers: { ...req.headers, host: upstream.host },
      agent,
    })
    forwarded.on('error', () => res.destroy())
    forwarded.on('response', (answer) => {
      setTimeout(() => res.writeHead(answer.statusCode ?? 502, answer.headers), oneWayMs)
      delayedPipe(answer, res, oneWayMs)
    })
    delayedPipe(req, forwarded, oneWayMs)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('the latency proxy has no port')
  return {
    url: `http://127.0.0.1:${address.port}${upstream.pathname}`,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
