// `npm run bench`: figures as ratios against a baseline measured in the same run.
// Prints `name: value` lines, then a short table; exits 1 if anything could not be measured.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-bench-'))
Object.assign(process.env, {
  NODE_ENV: 'test',
  DATA_DIR: tmp,
  DATABASE_URL: `file:${path.join(tmp, 'bench.db')}`,
  SESSION_SECRET: 'bench-session-secret-0123456789abcdef0123456789',
  ENCRYPTION_KEYS: `bench1:${Buffer.alloc(32, 5).toString('base64')}`,
  OUTBOUND_ALLOWED_NETWORKS: '127.0.0.1/32',
  LOG_LEVEL: 'silent',
})

const DEMO_PORT = Number(process.env.BENCH_DEMO_PORT ?? 3301)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1500)
const STAMPEDE_CALLS = 50

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

async function main() {
  const { migrateDatabase } = await import('#app/utils/migrate.server.ts')
  await migrateDatabase(process.env.DATABASE_URL ?? '')
  const stopDemo = await startDemo()
  try {
    const { measureToolCalls, median } = await import('#bench/tool-call.ts')
    const tool = await measureToolCalls(`http://127.0.0.1:${DEMO_PORT}/mcp`, ROUNDS)
    const { measureConnectRequests, measureRefreshStampede } = await import('#bench/oauth.ts')
    const connect = await measureConnectRequests()
    const stampede = await measureRefreshStampede(STAMPEDE_CALLS)
    if (stampede.failures > 0) throw new Error(`${stampede.failures} of ${STAMPEDE_CALLS} tool calls failed during the refresh stampede`)
    const figures: Array<[string, number, string]> = [
      ['tool_call_overhead_ratio', median(tool.warmApp) / median(tool.warmDirect), 'warm sessions, target ≤ 1.10'],
      ['tool_call_overhead_ratio_no_reuse', median(tool.coldApp) / median(tool.coldDirect), 'new session every call'],
      ['tool_call_cold_ratio', median(tool.coldApp) / median(tool.warmApp), 'first call after idle vs warm'],
      ['connect_requests_first', connect.first, 'metadata + registration requests before the browser leaves (+1 token request at the callback)'],
      ['connect_requests_cached', connect.cached, 'Reconnect: cached discovery, stored registration'],
      ['refresh_stampede_token_requests', stampede.tokenRequests, `${STAMPEDE_CALLS} concurrent calls, expiring token, one instance (target 1)`],
    ]
    for (const [name, value] of figures) {
      if (!Number.isFinite(value)) throw new Error(`${name} could not be measured`)
      console.log(`${name}: ${Number.isInteger(value) ? value : value.toFixed(3)}`)
    }
    console.log('')
    console.log('| figure | value | note |')
    console.log('| --- | --- | --- |')
    for (const [name, value, note] of figures) console.log(`| ${name} | ${Number.isInteger(value) ? value : value.toFixed(3)} | ${note} |`)
    console.log(
      `| medians (ms) | app warm ${median(tool.warmApp).toFixed(2)}, direct warm ${median(tool.warmDirect).toFixed(2)}, app cold ${median(tool.coldApp).toFixed(2)}, direct cold ${median(tool.coldDirect).toFixed(2)} | ${ROUNDS} warm rounds |`,
    )
  } finally {
    stopDemo()
    const { getDb } = await import('#app/utils/db.server.ts')
    await getDb().$disconnect()
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  },
)
