// Tool-call overhead: the app's server code path (session pool, guarded fetch, header
// decryption, result parsing) against a direct SDK client, same demo server, same run.
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js'
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

  const direct = new Client({ name: 'bench', version: '1' })
  await direct.connect(new StreamableHTTPClientTransport(new URL(mcpUrl)))
  const appCall = async () => {
    const outcome = await callServerTool(userId, server, 'echo', ARGS)
    if (!outcome.ok) throw new Error(`app call failed: ${outcome.failure.message}`)
  }
  const directCall = () => direct.callTool({ name: 'echo', arguments: ARGS }, CallToolResultSchema)

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
  await direct.close()

  const coldApp: number[] = []
  const coldDirect: number[] = []
  for (let i = 0; i < Math.max(10, Math.floor(rounds / 5)); i++) {
    await getSessionPool().closeAll()
    coldApp.push(await time(appCall))
    coldDirect.push(
      await time(async () => {
        const client = new Client({ name: 'bench', version: '1' })
        const transport = new StreamableHTTPClientTransport(new URL(mcpUrl))
        await client.connect(transport)
        await client.callTool({ name: 'echo', arguments: ARGS }, CallToolResultSchema)
        await transport.terminateSession().catch(() => {})
        await client.close()
      }),
    )
  }
  await getSessionPool().closeAll()
  return { warmApp, warmDirect, coldApp, coldDirect }
}
