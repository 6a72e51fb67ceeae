// The workspace endpoint (issue 13): a tool call through Switchboard's gateway (the built app in its own process:
// bearer check, rate limit, the aggregated endpoint, the person's pooled upstream session, the audit row) against
// the same call from a direct SDK client to the same demo server, warm; and the aggregated tools/list with one hung
// server among 20, against that server's timeout.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { createAccount } from '#app/utils/auth.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { createSession } from '#app/utils/session.server.ts'
import { median } from '#bench/tool-call.ts'
import { authorizationUrl, createPkce, exchangeCode, registerAgent } from '#tests/support/agent-pkce.ts'

const REDIRECT_URI = 'http://127.0.0.1:9/callback'

async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await fn()
  return performance.now() - started
}

/** A person with a session cookie for the app, and a workspace. */
async function person(label: string): Promise<{ userId: string; workspaceId: string; cookie: string }> {
  const { userId, workspaceId } = await createAccount({ name: label, email: `${label}-${Date.now()}@bench.test`, password: 'bench-password-123456' })
  const cookie = (await createSession(new Request('http://127.0.0.1/'), userId)).split(';')[0] ?? ''
  return { userId, workspaceId, cookie }
}

/**
 * An access token for `<app>/mcp/<workspace>` the way an agent gets one: registration, PKCE, the consent page
 * posted as the person's browser would (with their session cookie and Switchboard's Origin), the code exchange.
 */
async function agentToken(appUrl: string, workspaceId: string, cookie: string): Promise<string> {
  const manual: typeof fetch = (input, init) => fetch(input, { ...init, redirect: 'manual' })
  const agent = await registerAgent(manual, appUrl, { redirectUri: REDIRECT_URI, clientName: 'Bench agent' })
  const pkce = createPkce()
  const cookies = new Map<string, string>()
  for (const pair of cookie.split(';')) {
    const [name = '', ...value] = pair.trim().split('=')
    cookies.set(name, value.join('='))
  }
  const jar = () => [...cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  const browse = async (url: string, init: RequestInit = {}) => {
    const response = await manual(url, { ...init, headers: { ...(init.headers as Record<string, string>), cookie: jar() } })
    for (const setCookie of response.headers.getSetCookie()) {
      const [pair = ''] = setCookie.split(';')
      const [name = '', ...value] = pair.trim().split('=')
      cookies.set(name, value.join('='))
    }
    return response
  }
  let location = authorizationUrl(appUrl, agent, pkce, `${appUrl}/mcp/${workspaceId}`).href
  let posted = false
  for (let hops = 0; hops < 10; hops++) {
    const url = new URL(location, appUrl)
    if (url.origin !== appUrl) {
      const code = url.searchParams.get('code')
      if (!code) throw new Error(`the authorization ended without a code: ${url.search}`)
      const tokens = await exchangeCode(manual, appUrl, agent, code, pkce.verifier)
      const body = (await tokens.json()) as { access_token?: string }
      if (!body.access_token) throw new Error(`the token request answered ${tokens.status}`)
      return body.access_token
    }
    const onConsentPage: boolean = url.pathname.startsWith('/agent/authorize/') && !posted
    const response = onConsentPage
      ? await browse(url.href, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: appUrl },
          body: new URLSearchParams({ intent: 'allow' }),
        })
      : await browse(url.href)
    posted ||= onConsentPage
    const next = response.headers.get('location')
    if (!next) throw new Error(`${url.pathname} answered ${response.status} without a redirect`)
    location = next
  }
  throw new Error('too many redirects while authorizing')
}

function agentClient(endpoint: string, token: string): { client: Client; transport: StreamableHTTPClientTransport } {
  const client = new Client({ name: 'bench agent', version: '1' }, { versionNegotiation: { mode: 'auto' } })
  const transport = new StreamableHTTPClientTransport(new URL(endpoint), { requestInit: { headers: { Authorization: `Bearer ${token}` } } })
  return { client, transport }
}

/**
 * Warm calls of the demo's `echo`, through the gateway, from a direct client and through the floor relay
 * (bench/floor-relay.ts: a bare SDK relay, the least a gateway adds), to the demo behind the relay (a network away)
 * and to the demo itself: one workspace with both servers, the six calls interleaved in every round (their order
 * turning), so that all figures are taken under the same load of the machine.
 */
export async function measureGatewayCalls(appUrl: string, servers: { remoteUrl: string; localUrl: string; floorUrl: string }, rounds: number) {
  const { workspaceId, cookie } = await person('gateway')
  await getDb().mcpServer.create({ data: { workspaceId, name: 'Remote', url: servers.remoteUrl, transport: 'streamable_http' } })
  await getDb().mcpServer.create({ data: { workspaceId, name: 'Local', url: servers.localUrl, transport: 'streamable_http' } })
  const token = await agentToken(appUrl, workspaceId, cookie)
  const viaGateway = agentClient(`${appUrl}/mcp/${workspaceId}`, token)
  await viaGateway.client.connect(viaGateway.transport)
  const directTo = async (url: string) => {
    const client = new Client({ name: 'bench', version: '1' }, { versionNegotiation: { mode: 'auto' } })
    await client.connect(new StreamableHTTPClientTransport(new URL(url)))
    return client
  }
  const [directRemote, directLocal, floor] = await Promise.all([directTo(servers.remoteUrl), directTo(servers.localUrl), directTo(servers.floorUrl)])
  const args = { message: 'benchmark' }
  const gatewayCall = (name: string) => async () => {
    const result = await viaGateway.client.callTool({ name, arguments: args })
    if (result.isError) throw new Error(`gateway call failed: ${JSON.stringify(result.content)}`)
  }
  const calls = {
    gatewayRemote: gatewayCall('remote_echo'),
    directRemote: () => directRemote.callTool({ name: 'echo', arguments: args }),
    gatewayLocal: gatewayCall('local_echo'),
    directLocal: () => directLocal.callTool({ name: 'echo', arguments: args }),
    floorRemote: () => floor.callTool({ name: 'remote_echo', arguments: args }),
    floorLocal: () => floor.callTool({ name: 'local_echo', arguments: args }),
  }
  const order = Object.keys(calls) as Array<keyof typeof calls>
  for (let i = 0; i < 100; i++) for (const name of order) await calls[name]()
  const samples = Object.fromEntries(order.map((name) => [name, [] as number[]])) as Record<keyof typeof calls, number[]>
  for (let round = 0; round < rounds; round++) {
    for (let step = 0; step < order.length; step++) {
      const name = order[(round + step) % order.length] as keyof typeof calls
      samples[name].push(await time(calls[name]))
    }
  }
  await Promise.all([viaGateway.client.close(), directRemote.close(), directLocal.close(), floor.close()])
  return {
    remote: { gatewayMs: median(samples.gatewayRemote), directMs: median(samples.directRemote), floorMs: median(samples.floorRemote) },
    local: { gatewayMs: median(samples.gatewayLocal), directMs: median(samples.directLocal), floorMs: median(samples.floorLocal) },
  }
}

/** The aggregated tools/list of 20 servers, one of which accepts the connection and never answers. */
export async function measureGatewayHungList(appUrl: string, demoUrl: string, hungUrl: string, timeoutMs: number, rounds = 5) {
  const { workspaceId, cookie } = await person('gateway-hung')
  for (let index = 0; index < 20; index++) {
    await getDb().mcpServer.create({
      data: { workspaceId, name: `Server ${index}`, url: index === 0 ? hungUrl : demoUrl, transport: 'streamable_http', timeoutMs },
    })
  }
  const token = await agentToken(appUrl, workspaceId, cookie)
  const { client, transport } = agentClient(`${appUrl}/mcp/${workspaceId}`, token)
  await client.connect(transport)
  const samples: number[] = []
  let listed = 0
  for (let round = 0; round < rounds; round++) {
    samples.push(await time(async () => (listed = (await client.listTools()).tools.length)))
  }
  await client.close()
  return { medianMs: median(samples), ratio: median(samples) / timeoutMs, listed }
}
