// Tool-call overhead: the app's server code path (session pool, guarded fetch, header
// decryption, result parsing) against a direct v2 SDK client that negotiates the revision the
// same way (server/discover, then initialize for a 2025-era server), same demo server, same run.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { requireServer } from '#app/models/server.server.ts'
import { callServerTool } from '#app/mcp/tools.server.ts'
import { createAccount } from '#app/utils/auth.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'

export type Sample = { name: string; ms: number[] }

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await fn()
  return performance.now() - started
}

const ARGS = { message: 'benchmark' }

/** The baseline: the v2 client as an application would use it on its own. */
function directClient(): Client {
  return new Client({ name: 'bench', version: '1' }, { versionNegotiation: { mode: 'auto' } })
}

/** Warm and cold tool calls through the app and through a direct client; `protocolVersion` is what the app's session agreed. */
export async function measureToolCalls(mcpUrl: string, rounds: number) {
  const { userId, workspaceId } = await createAccount({
    name: 'Bench',
    email: `bench-${Date.now()}@example.test`,
    password: 'benchmark password 1',
  })
  const row = await getDb().mcpServer.create({
    data: { workspaceId, name: 'bench', url: mcpUrl, transport: 'streamable_http' },
    select: { id: true },
  })
  const server = await requireServer(workspaceId, row.id)

  const direct = directClient()
  await direct.connect(new StreamableHTTPClientTransport(new URL(mcpUrl)))
  const appCall = async () => {
    const outcome = await callServerTool(userId, server, 'echo', ARGS)
    if (!outcome.ok) throw new Error(`app call failed: ${outcome.failure.message}`)
  }
  const directCall = () => direct.callTool({ name: 'echo', arguments: ARGS })

  // Warm both paths (JIT, connection pools, the pooled session).
  for (let i = 0; i < 300; i++) {
    await appCall()
    await directCall()
  }
  const warmApp: number[] = []
  const warmDirect: number[] = []
  // Interleaved, alternating which goes first, so that machine noise hits both sides alike.
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      warmApp.push(await time(appCall))
      warmDirect.push(await time(directCall))
    } else {
      warmDirect.push(await time(directCall))
      warmApp.push(await time(appCall))
    }
  }
  const protocolVersion = direct.getNegotiatedProtocolVersion() ?? null
  await direct.close()

  const coldApp: number[] = []
  const coldDirect: number[] = []
  for (let i = 0; i < Math.max(10, Math.floor(rounds / 5)); i++) {
    await getSessionPool().closeAll()
    coldApp.push(await time(appCall))
    coldDirect.push(
      await time(async () => {
        const client = directClient()
        const transport = new StreamableHTTPClientTransport(new URL(mcpUrl))
        await client.connect(transport)
        await client.callTool({ name: 'echo', arguments: ARGS })
        await transport.terminateSession().catch(() => {})
        await client.close()
      }),
    )
  }
  await getSessionPool().closeAll()
  return { warmApp, warmDirect, coldApp, coldDirect, protocolVersion }
}
