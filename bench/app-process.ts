// Figures about the built server as a process: start-up time, memory, and the server list page
// under load from another process (autocannon), against a trivial route of the same app.
import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import { randomUUID } from 'node:crypto'
import { saveConnection } from '#app/oauth/store/connections.server.ts'
import { createAccount } from '#app/utils/auth.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { createSession } from '#app/utils/session.server.ts'
import { median } from '#bench/tool-call.ts'

const SERVER_ENTRY = 'build/server-main.js'

export type AppProcess = { child: ChildProcess; url: string; stop(): Promise<void> }

/** Starts the built server on `port` with this process's environment; resolves when /healthz answers. */
export async function startAppProcess(port: number): Promise<{ app: AppProcess; startupMs: number }> {
  if (!fs.existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing: run \`npm run build\` first`)
  const started = performance.now()
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    env: { ...process.env, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const url = `http://127.0.0.1:${port}`
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the app exited during start-up: ${stderr.slice(-1000)}`)
    if (performance.now() - started > 60_000) throw new Error('the app did not start within 60 s')
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok).catch(() => false)
    if (ok) break
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  const startupMs = performance.now() - started
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
  return { app: { child, url, stop }, startupMs }
}

/** Resident memory of a process (Linux), in MiB. */
export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1])
  if (!Number.isFinite(kb)) throw new Error('VmRSS not readable')
  return kb / 1024
}

/** Requests/s of one URL under `connections` concurrent clients for `seconds`, from a separate process. */
async function loadRps(url: string, cookie: string | null, seconds: number, connections = 10): Promise<number> {
  const child = spawn(
    process.execPath,
    ['node_modules/autocannon/autocannon.js', '--json', '-c', String(connections), '-d', String(seconds), ...(cookie ? ['-H', `Cookie=${cookie}`] : []), url],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  )
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  await new Promise((resolve) => child.once('exit', resolve))
  const result = JSON.parse(output) as { requests: { average: number }; non2xx: number; errors: number }
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers and ${result.errors} errors under load`)
  return result.requests.average
}

/** A workspace with `servers` servers, `connected` of them OAuth servers with this user's connection. */
export async function seedServerList(mcpUrl: string, servers: number, connected: number) {
  const account = await createAccount({ name: 'Load', email: `load-${Date.now()}@bench.test`, password: 'bench-password-123456' })
  for (let index = 0; index < servers; index++) {
    const oauth = index < connected
    const row = await getDb().mcpServer.create({
      data: {
        workspaceId: account.workspaceId,
        name: `Server ${String(index).padStart(2, '0')}`,
        url: mcpUrl,
        authType: oauth ? 'oauth' : 'none',
        probe: { create: { outcome: oauth ? 'oauth' : 'open', probedAt: new Date(), message: 'Probed by the bench' } },
      },
      select: { id: true },
    })
    if (oauth) {
      await saveConnection({
        serverId: row.id,
        ownerKey: account.userId,
        userId: account.userId,
        connectedById: account.userId,
        issuer: 'https://as.bench.test',
        clientKind: 'dynamic',
        clientId: 'bench-client',
        configVersion: 1,
        tokens: { accessToken: `at-${randomUUID()}`, refreshToken: `rt-${randomUUID()}`, expiresIn: 3600, scopes: 'mcp:tools' },
      })
    }
  }
  const setCookie = await createSession(new Request('http://127.0.0.1/'), account.userId)
  return { workspaceId: account.workspaceId, cookie: setCookie.split(';')[0] ?? '' }
}

/**
 * Requests/s of the server list page, of a trivial page of the same app (the sign-in form: same
 * document, root loader and rendering, no data), and of /healthz (no rendering at all), measured
 * alternately `rounds` times each; medians.
 */
export async function measureListPageRps(app: AppProcess, workspaceId: string, cookie: string, rounds = 3, seconds = 4) {
  const page = `${app.url}/w/${workspaceId}/servers`
  const trivial = `${app.url}/login`
  const check = await fetch(page, { headers: { Cookie: cookie } })
  const html = await check.text()
  if (!check.ok || !html.includes('Server 49')) throw new Error(`the server list page did not render its 50 servers (HTTP ${check.status})`)
  const rates = { page: [] as number[], trivial: [] as number[], health: [] as number[] }
  await loadRps(trivial, null, 2) // warm-up
  await loadRps(page, cookie, 2)
  for (let round = 0; round < rounds; round++) {
    rates.trivial.push(await loadRps(trivial, null, seconds))
    rates.page.push(await loadRps(page, cookie, seconds))
    rates.health.push(await loadRps(`${app.url}/healthz`, null, seconds))
  }
  return { pageRps: median(rates.page), trivialRps: median(rates.trivial), healthRps: median(rates.health) }
}

/** Inserts `count` users with one OAuth connection each, spread over the given servers. */
export async function seedConnections(serverIds: string[], count: number): Promise<void> {
  const db = getDb()
  const batch = 1000
  for (let start = 0; start < count; start += batch) {
    const users = Array.from({ length: Math.min(batch, count - start) }, (_, index) => ({
      id: randomUUID(),
      email: `seed-${start + index}-${randomUUID().slice(0, 8)}@bench.test`,
      name: `Seed ${start + index}`,
      passwordHash: 'scrypt$unused',
    }))
    await db.user.createMany({ data: users })
    await db.oAuthConnection.createMany({
      data: users.map((user, index) => ({
        id: randomUUID(),
        serverId: serverIds[(start + index) % serverIds.length] ?? '',
        userId: user.id,
        ownerKey: user.id,
        connectedById: user.id,
        status: 'connected',
        // Ciphertext-sized values: what a real row weighs.
        accessToken: `v1.bench.${'x'.repeat(900)}`,
        refreshToken: `v1.bench.${'y'.repeat(200)}`,
        expiresAt: new Date(Date.now() + 3600_000),
        scopes: 'mcp:tools',
        issuer: 'https://as.bench.test',
        clientKind: 'dynamic',
        clientId: 'bench-client',
        configVersion: 1,
      })),
    })
  }
}
