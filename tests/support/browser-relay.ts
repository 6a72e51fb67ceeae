import http from 'node:http'
import path from 'node:path'
import { closeServer, listenOnLoopback } from '#tests/servers/peer-http.ts'

// Receives the URLs a command-line client "opens in the browser" (tests/support/relay-browser.mjs is its $BROWSER),
// so that the test can act as the person at that URL.

export type BrowserRelay = {
  /** Environment for the client process: $BROWSER and the relay's address; no desktop variables. */
  env: Record<string, string>
  /** The next URL the client opens. */
  nextUrl(timeoutMs?: number): Promise<string>
  close(): Promise<void>
}

export async function startBrowserRelay(): Promise<BrowserRelay> {
  const opened: string[] = []
  const waiters: Array<(url: string) => void> = []
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
    req.on('end', () => {
      const waiter = waiters.shift()
      if (waiter) waiter(body)
      else opened.push(body)
      res.end()
    })
  })
  const origin = await listenOnLoopback(server)
  return {
    env: { BROWSER: path.resolve('tests/support/relay-browser.mjs'), SWITCHBOARD_TEST_BROWSER_RELAY: origin },
    nextUrl: (timeoutMs = 20_000) =>
      new Promise<string>((resolve, reject) => {
        const ready = opened.shift()
        if (ready !== undefined) return resolve(ready)
        const timer = setTimeout(() => reject(new Error('the client opened no URL in the browser')), timeoutMs)
        waiters.push((url) => {
          clearTimeout(timer)
          resolve(url)
        })
      }),
    close: () => closeServer(server),
  }
}
