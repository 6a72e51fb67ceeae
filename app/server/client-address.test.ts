import http from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { expect, test } from 'vitest'
import { clientAddress } from '#app/server/http-app.ts'

// The gateway's requests are answered before Express (ADR 037), so they read the client's address without it. The
// oracle is Express itself: `req.ip` with `trust proxy` set to the same number of hops.
test('the address before Express is the one Express gives with the same trusted hops', async () => {
  const seen: Array<{ express: string | undefined; ours: string }> = []
  let hops = 0
  const app = express()
  app.use((req, res) => {
    app.set('trust proxy', hops)
    seen.push({ express: req.ip, ours: clientAddress(req, hops) })
    res.end()
  })
  const server = http.createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  try {
    const chains = [undefined, '203.0.113.7', '198.51.100.1, 203.0.113.7', ' 198.51.100.1 ,203.0.113.7, 192.0.2.9 ', 'garbage, 203.0.113.7', '']
    for (hops of [0, 1, 2, 5]) {
      for (const chain of chains) {
        seen.length = 0
        await fetch(url, { headers: chain === undefined ? {} : { 'X-Forwarded-For': chain } })
        const [answer] = seen
        expect(answer?.ours, `${hops} hops, X-Forwarded-For ${JSON.stringify(chain)}`).toBe(answer?.express)
      }
    }
    // It can fail: with one trusted hop, the proxy's client is the caller.
    hops = 1
    seen.length = 0
    await fetch(url, { headers: { 'X-Forwarded-For': '203.0.113.7' } })
    expect(seen[0]?.ours).toBe('203.0.113.7')
  } finally {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
})
