// `npm run bench`: every figure of bench/RESULTS.md, each against a baseline measured in the same
// run. Prints `name: value` lines, then a short table; exits 1 if anything could not be measured.
// Needs `npm run build` (the app-process figures run the built server) and PostgreSQL (the
// refresh stampede across two instances): BENCH_POSTGRES_URL, else TEST_DATABASE_URL, else the
// role .ci/run creates.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-bench-'))
Object.assign(process.env, {
  NODE_ENV: 'test',
  DATA_DIR: tmp,
  DATABASE_URL: `file:${path.join(tmp, 'bench.db')}`,
  SESSION_SECRET: 'bench-session-secret-0123456789abcdef0123456789',
  ENCRYPTION_KEYS: `bench1:${Buffer.alloc(32, 5).toString('base64')}`,
  OUTBOUND_ALLOWED_NETWORKS: '127.0.0.1/32',
  LOG_LEVEL: 'silent',
  // The gateway figures make thousands of calls a minute with one app: the per-app limit is not what they measure.
  AGENT_REQUESTS_PER_MINUTE: '1000000',
})

const DEMO_PORT = Number(process.env.BENCH_DEMO_PORT ?? 3301)
const APP_PORT = Number(process.env.BENCH_APP_PORT ?? 3310)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1500)
const STAMPEDE_CALLS = 50
const GATEWAY_ROUNDS = Number(process.env.BENCH_GATEWAY_ROUNDS ?? 500)
const HUNG_TIMEOUT_MS = 2000
/** Half the round trip to a remote MCP server in the gateway figure (ADR 037): 20 ms there and back. */
const REMOTE_ONE_WAY_MS = 10
const POSTGRES_URL =
  process.env.BENCH_POSTGRES_URL ?? process.env.TEST_DATABASE_URL ?? 'postgresql://switchboard:switchboard@127.0.0.1:5432/switchboard_test'

type Figure = { name: string; value: number; note: string }

async function startDemo(): Promise<() => void> {
  // In its own process, like a real remote server: its work does not land on our event loop.
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo/start.ts'], {
    env: { ...process.env, DEMO_MCP_PORT: String(DEMO_PORT), DEMO_MCP_KEY_PORT: String(DEMO_PORT + 1) },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`demo server exited with ${code}`)))
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('API key')) resolve()
    })
  })
  return () => child.kill('SIGTERM')
}

/** A fresh PostgreSQL database for the stampede; its URL. */
async function freshPostgresDatabase(name: string): Promise<string> {
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  try {
    await client.connect()
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    await client.query(`CREATE DATABASE "${name}"`)
  } catch (error) {
    throw new Error(
      `PostgreSQL is needed for refresh_stampede_token_requests (${POSTGRES_URL.replace(/\/\/[^@]*@/, '//…@')}): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    )
  } finally {
    await client.end().catch(() => {})
  }
  const url = new URL(POSTGRES_URL)
  url.pathname = `/${name}`
  return url.toString()
}

async function measurePostgresStampede(): Promise<{ tokenRequests: number; calls: number; failures: number }> {
  // TEST_RUN_ID keeps runs of several people on one PostgreSQL apart (the database is dropped first).
  const runId = (process.env.TEST_RUN_ID ?? '').replace(/[^a-z0-9_]/gi, '')
  const databaseUrl = await freshPostgresDatabase(runId ? `switchboard_bench_${runId}` : 'switchboard_bench')
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/stampede-pg.ts'], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  const line = stdout.trim().split('\n').pop() ?? ''
  if (code !== 0 || !line.startsWith('{')) throw new Error(`the PostgreSQL stampede failed (exit ${code}): ${stderr.slice(-1000)}`)
  return JSON.parse(line) as { tokenRequests: number; calls: number; failures: number }
}

async function main() {
  const { migrateDatabase } = await import('#app/utils/migrate.server.ts')
  await migrateDatabase(process.env.DATABASE_URL ?? '')
  const stopDemo = await startDemo()
  const demoUrl = `http://127.0.0.1:${DEMO_PORT}/mcp`
  const figures: Figure[] = []
  const add = (name: string, value: number, note: string) => {
    if (!Number.isFinite(value)) throw new Error(`${name} could not be measured`)
    figures.push({ name, value, note })
  }
  const extra: string[] = []
  try {
    const { measureToolCalls, median } = await import('#bench/tool-call.ts')
    const tool = await measureToolCalls(demoUrl, ROUNDS)
    add('tool_call_overhead_ratio', median(tool.warmApp) / median(tool.warmDirect), 'app vs direct SDK client, warm sessions (target ≤ 1.10)')
    add('tool_call_overhead_ratio_no_reuse', median(tool.coldApp) / median(tool.coldDirect), 'app vs direct, new session every call')
    add('tool_call_cold_ratio', median(tool.coldApp) / median(tool.warmApp), 'first call after idle (session set-up) vs warm')
    extra.push(
      `tool calls (ms, MCP ${tool.protocolVersion}): app warm ${median(tool.warmApp).toFixed(2)}, direct warm ${median(tool.warmDirect).toFixed(2)}, app cold ${median(tool.coldApp).toFixed(2)}, direct cold ${median(tool.coldDirect).toFixed(2)}; ${ROUNDS} warm rounds`,
    )
    // The same against the demo that speaks only MCP 2026-07-28 (scripts/demo/mcp-server-v2.ts, DEMO_PORT + 4).
    const modern = await measureToolCalls(`http://127.0.0.1:${DEMO_PORT + 4}/mcp`, ROUNDS)
    if (modern.protocolVersion !== '2026-07-28') throw new Error(`the 2026 demo spoke ${modern.protocolVersion}`)
    add('tool_call_overhead_ratio_2026', median(modern.warmApp) / median(modern.warmDirect), 'the same against a 2026-07-28-only server (target ≤ 1.10)')
    add('tool_call_2026_vs_2025_ratio', median(modern.warmApp) / median(tool.warmApp), 'app warm call: 2026-07-28 server vs 2025-11-25 server')
    extra.push(
      `tool calls (ms, MCP 2026-07-28): app warm ${median(modern.warmApp).toFixed(2)}, direct warm ${median(modern.warmDirect).toFixed(2)}, app cold ${median(modern.coldApp).toFixed(2)}, direct cold ${median(modern.coldDirect).toFixed(2)}`,
    )

    const { measureHungToolsPage } = await import('#bench/tools-page.ts')
    const hung = await measureHungToolsPage(demoUrl, HUNG_TIMEOUT_MS)
    add('tools_page_hung_server_ratio', hung.ratio, `Tools page with 1 hung server among 20 vs its ${HUNG_TIMEOUT_MS} ms timeout (target ≤ 1.2)`)
    extra.push(`tools page with a hung server: median ${hung.medianMs.toFixed(0)} ms`)

    const { measureConnectRequests, measureRefreshStampede } = await import('#bench/oauth.ts')
    const connect = await measureConnectRequests()
    add('connect_requests_first', connect.first, 'outbound requests of a first Connect: metadata + registration (+1 token request at the callback)')
    add('connect_requests_cached', connect.cached, 'a Reconnect: cached discovery, stored registration')
    const local = await measureRefreshStampede(STAMPEDE_CALLS)
    if (local.failures > 0) throw new Error(`${local.failures} of ${STAMPEDE_CALLS} calls failed in the one-instance stampede`)
    add('refresh_stampede_one_instance', local.tokenRequests, `${STAMPEDE_CALLS} concurrent calls, expiring token, one process (target 1)`)
    const stampede = await measurePostgresStampede()
    if (stampede.failures > 0) throw new Error(`${stampede.failures} of ${stampede.calls} calls failed in the PostgreSQL stampede`)
    add('refresh_stampede_token_requests', stampede.tokenRequests, `${stampede.calls} concurrent calls, expired token, 2 instances on PostgreSQL (target 1)`)

    const { measureListPageRps, rssMb, seedConnections, seedServerList, startAppProcess } = await import('#bench/app-process.ts')
    {
      // The workspace endpoint, served by the built app in its own process (issue 13).
      const { measureGatewayCalls, measureGatewayHungList } = await import('#bench/gateway.ts')
      const { startHungServer } = await import('#bench/tools-page.ts')
      const { app } = await startAppProcess(APP_PORT)
      const hungPeer = await startHungServer()
      // The demo server behind a relay that puts it a network round trip away (ADR 037).
      const { startLatencyProxy } = await import('#bench/latency-proxy.ts')
      const remote = await startLatencyProxy(demoUrl, REMOTE_ONE_WAY_MS)
      // The least any gateway on this SDK adds: a bare relay, in its own process too (bench/floor-relay.ts).
      const { startFloorRelay } = await import('#bench/floor-relay.ts')
      const floor = await startFloorRelay({ remote: remote.url, local: demoUrl })
      try {
        const { remote: calls, local } = await measureGatewayCalls(app.url, { remoteUrl: remote.url, localUrl: demoUrl, floorUrl: floor.url }, GATEWAY_ROUNDS)
        add(
          'gateway_call_overhead_ratio',
          calls.gatewayMs / calls.directMs,
          `a tool call through /mcp/<workspace> vs the same call from a direct SDK client, warm, the server ${2 * REMOTE_ONE_WAY_MS} ms away (target ≤ 1.15)`,
        )
        add('gateway_call_overhead_ratio_local', local.gatewayMs / local.directMs, 'the same with the server on this machine doing nothing: the fixed cost laid bare (no target)')
        add(
          'gateway_floor_ratio',
          calls.floorMs / calls.directMs,
          'the same call through a bare SDK relay (no auth, no database, no limits, no audit; bench/floor-relay.ts): the least any gateway on this SDK adds (no target)',
        )
        extra.push(
          `gateway calls (ms): server ${2 * REMOTE_ONE_WAY_MS} ms away ${calls.gatewayMs.toFixed(2)} vs direct ${calls.directMs.toFixed(2)}; local no-op server ${local.gatewayMs.toFixed(2)} vs direct ${local.directMs.toFixed(2)} (Switchboard adds ${(calls.gatewayMs - calls.directMs).toFixed(2)} / ${(local.gatewayMs - local.directMs).toFixed(2)} ms)`,
          `gateway floor (ms): a bare SDK relay ${calls.floorMs.toFixed(2)} / ${local.floorMs.toFixed(2)} (adds ${(calls.floorMs - calls.directMs).toFixed(2)} / ${(local.floorMs - local.directMs).toFixed(2)}); Switchboard's own work above it ${(calls.gatewayMs - calls.floorMs).toFixed(2)} / ${(local.gatewayMs - local.floorMs).toFixed(2)} ms`,
        )
        const list = await measureGatewayHungList(app.url, demoUrl, hungPeer.url, HUNG_TIMEOUT_MS)
        if (list.listed === 0) throw new Error('the gateway listed no tools with one hung server among 20')
        add('gateway_list_hung_server_ratio', list.ratio, `aggregated tools/list, 20 servers with 1 hung, vs its ${HUNG_TIMEOUT_MS} ms timeout (target ≤ 1.2)`)
        extra.push(`gateway tools/list with a hung server: ${list.medianMs.toFixed(0)} ms (${list.listed} tools); ${GATEWAY_ROUNDS} warm rounds per call figure`)
      } finally {
        floor.stop()
        await remote.close()
        await hungPeer.close()
        await app.stop()
      }
    }
    const list = await seedServerList(demoUrl, 50, 5)
    const startups: number[] = []
    for (let round = 0; round < 3; round++) {
      const { app, startupMs } = await startAppProcess(APP_PORT)
      startups.push(startupMs)
      await app.stop()
    }
    add('startup_ms', median(startups), 'spawn of the built server → first 200 from /healthz (migrated database), median of 3')
    const { app } = await startAppProcess(APP_PORT)
    try {
      for (let index = 0; index < 20; index++) await fetch(`${app.url}/w/${list.workspaceId}/servers`, { headers: { Cookie: list.cookie } }).then((r) => r.text())
      await new Promise((resolve) => setTimeout(resolve, 2000))
      add('rss_idle_mb', rssMb(app.child.pid ?? 0), 'built server after start-up and 20 page views, idle')
      const rates = await measureListPageRps(app, list.workspaceId, list.cookie)
      add('settings_page_rps_ratio', rates.pageRps / rates.trivialRps, 'server list (50 servers, 5 connected) vs a trivial page (/login), 10 concurrent clients (target ≥ 0.5)')
      add('settings_page_vs_healthz_ratio', rates.pageRps / rates.healthRps, 'the same page vs /healthz (one SELECT 1, no rendering)')
      extra.push(
        `requests/s: server list ${rates.pageRps.toFixed(0)}, /login ${rates.trivialRps.toFixed(0)}, /healthz ${rates.healthRps.toFixed(0)} (autocannon in a separate process)`,
      )
    } finally {
      await app.stop()
    }
    const { getDb } = await import('#app/utils/db.server.ts')
    const servers = await getDb().mcpServer.findMany({ where: { workspaceId: list.workspaceId }, select: { id: true } })
    await seedConnections(
      servers.map((s) => s.id),
      10_000,
    )
    const big = await startAppProcess(APP_PORT)
    try {
      for (let index = 0; index < 20; index++) await fetch(`${big.app.url}/w/${list.workspaceId}/servers`, { headers: { Cookie: list.cookie } }).then((r) => r.text())
      await new Promise((resolve) => setTimeout(resolve, 2000))
      add('rss_mb_10k_connections', rssMb(big.app.child.pid ?? 0), 'same, with 10,000 more OAuth connection rows in the database')
    } finally {
      await big.app.stop()
    }

    for (const { name, value } of figures) console.log(`${name}: ${format(value)}`)
    console.log('')
    console.log('| figure | value | baseline / note |')
    console.log('| --- | --- | --- |')
    for (const { name, value, note } of figures) console.log(`| ${name} | ${format(value)} | ${note} |`)
    console.log('')
    for (const line of extra) console.log(`- ${line}`)
  } finally {
    stopDemo()
    const { getDb } = await import('#app/utils/db.server.ts')
    await getDb().$disconnect()
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}

function format(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(3)
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  },
)
