import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path'
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zz-'))
Object.assign(process.env, { NODE_ENV: 'test', DATA_DIR: tmp, DATABASE_URL: `file:${tmp}/b.db`, SESSION_SECRET: 'x'.repeat(40), ENCRYPTION_KEYS: `k:${Buffer.alloc(32, 5).toString('base64')}`, OUTBOUND_ALLOWED_NETWORKS: '127.0.0.1/32', LOG_LEVEL: 'silent' })
const { migrateDatabase } = await import('#app/utils/migrate.server.ts')
await migrateDatabase(process.env.DATABASE_URL!)
const { Client } = await import('@modelcontextprotocol/sdk/client/index.js')
const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js')
const { CallToolResultSchema } = await import('@modelcontextprotocol/sdk/types.js')
const { createGuardedFetch } = await import('#app/utils/guarded-fetch.server.ts')
const { requireServer } = await import('#app/models/server.server.ts')
const { callServerTool } = await import('#app/models/tools.server.ts')
const { getDb } = await import('#app/utils/db.server.ts')
const url = new URL('http://127.0.0.1:3101/mcp')
const ws = await getDb().workspace.create({ data: { name: 'w' } })
const u = await getDb().user.create({ data: { email: 'a@b.c', name: 'a', passwordHash: 'x' } })
const row = await getDb().mcpServer.create({ data: { workspaceId: ws.id, name: 's', url: url.href, transport: 'streamable_http' } })
const server = await requireServer(ws.id, row.id)
const mk = async (fetch?: any) => { const c = new Client({ name: 'x', version: '1' }); await c.connect(new StreamableHTTPClientTransport(url, fetch ? { fetch } : {})); return c }
const direct = await mk(); const guarded = await mk(createGuardedFetch({}))
const fns: Record<string, () => Promise<unknown>> = {
  direct: () => direct.callTool({ name: 'echo', arguments: { message: 'x' } }, CallToolResultSchema),
  guarded: () => guarded.callTool({ name: 'echo', arguments: { message: 'x' } }, CallToolResultSchema),
  app: () => callServerTool(u.id, server, 'echo', { message: 'x' }),
}
const times: Record<string, number[]> = { direct: [], guarded: [], app: [] }
for (let i = 0; i < 700; i++) for (const [k, f] of Object.entries(fns)) { const t = performance.now(); await f(); if (i >= 200) times[k]!.push(performance.now() - t) }
for (const [k, v] of Object.entries(times)) { v.sort((a, b) => a - b); console.log(k, v[Math.floor(v.length / 2)]!.toFixed(3)) }
process.exit(0)
