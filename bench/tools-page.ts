// The Tools page with one hung server among 20: how long it takes, against the per-server
// timeout it promises to respect.
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { loader as toolsLoader } from '#app/routes/w.$workspaceId.tools.tsx'
import { createAccount } from '#app/utils/auth.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { createSession } from '#app/utils/session.server.ts'
import { median } from '#bench/tool-call.ts'

/** A TCP server that accepts connections and never answers. */
export async function startHungServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

export async function measureHungToolsPage(mcpUrl: string, timeoutMs: number, rounds = 5) {
  const hung = await startHungServer()
  try {
    const account = await createAccount({ name: 'Tools', email: `tools-${Date.now()}@bench.test`, password: 'bench-password-123456' })
    for (let index = 0; index < 20; index++) {
      await getDb().mcpServer.create({
        data: {
          workspaceId: account.workspaceId,
          name: `Tools ${index}`,
          url: index === 7 ? hung.url : mcpUrl,
          transport: 'streamable_http',
          timeoutMs,
        },
        select: { id: true },
      })
    }
    const cookie = (await createSession(new Request('http://127.0.0.1/'), account.userId)).split(';')[0] ?? ''
    const times: number[] = []
    for (let round = 0; round < rounds; round++) {
      // Each round starts cold for the hung server (its failed session is not kept).
      await getSessionPool().closeAll()
      const started = performance.now()
      const result = (await toolsLoader({
        request: new Request(`http://127.0.0.1/w/${account.workspaceId}/tools`, { headers: { Cookie: cookie } }),
        params: { workspaceId: account.workspaceId },
        context: { clientIp: '127.0.0.1', cspNonce: 'bench', requestId: 'bench' },
      })) as { sections: Array<{ failure: { kind: string } | null; tools: unknown[] }> }
      times.push(performance.now() - started)
      const failed = result.sections.filter((section) => section.failure)
      if (failed.length !== 1 || failed[0]?.failure?.kind !== 'timeout') {
        throw new Error(`expected exactly the hung server to time out, got ${failed.map((f) => f.failure?.kind).join(', ')}`)
      }
    }
    return { medianMs: median(times), ratio: median(times) / timeoutMs }
  } finally {
    await hung.close()
  }
}
