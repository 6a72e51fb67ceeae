import http from 'node:http'
import { randomBytes } from 'node:crypto'
import type { AgentCaller } from '#app/gateway/caller.ts'
import { serveAgentRequest } from '#app/gateway/endpoint.server.ts'
import { gateway } from '#app/gateway/http.server.ts'
import type { EndpointTarget } from '#app/gateway/target.ts'
import { getDb } from '#app/utils/db.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { closeServer, listenOnLoopback, serveWithWebHandler } from '#tests/servers/peer-http.ts'

// The gateway wing (app/gateway) served in the test process on 127.0.0.1, for real MCP and OAuth clients.
//
// The app believes it lives at PUBLIC_URL (http://127.0.0.1:3000 in Vitest): every URL it hands out — the
// resource, the metadata, the issuer, the consent page — names that origin. A test server cannot take that port in
// every worker, so `fetch` below sends a request for the PUBLIC_URL origin to the real port instead: the client
// sees exactly the URLs the app produced. Pages of Remix routes (the consent page) are not served here: tests call
// their loaders and actions (see tests/utils.ts), as a browser's requests would reach them.

export type GatewayServer = {
  /** Where the test server really listens. */
  origin: string
  /** PUBLIC_URL's origin: the one in every URL the app hands out. */
  publicOrigin: string
  /** `fetch` for clients: PUBLIC_URL's origin goes to this server. Redirects are not followed unless asked. */
  fetch: typeof fetch
  close(): Promise<void>
}

/** Starts the gateway's HTTP face (`gateway.handle`, what the Express process mounts) on a free port. */
export async function startGatewayServer(): Promise<GatewayServer> {
  const server = http.createServer((req, res) => void gateway.handle(req, res, { clientIp: '127.0.0.1' }))
  return serve(server)
}

/**
 * An MCP endpoint answering as `caller` without any token: for tests of what the endpoints do once the bearer
 * check has passed (the check itself is tested with real tokens). Any POST/GET/DELETE at the endpoint path is served.
 */
export async function startEndpointServer(caller: AgentCaller): Promise<GatewayServer> {
  const server = http.createServer(
    (req, res) => void serveWithWebHandler(req, res, getEnv().PUBLIC_URL, (request) => serveAgentRequest(request, caller)),
  )
  return serve(server)
}

/** A person's grant for an app at an endpoint, stored as consent would store it, and the caller it makes. */
export async function createAgentGrant(
  user: { id: string; workspaceId: string },
  options: { target?: EndpointTarget; clientId?: string; clientName?: string } = {},
): Promise<AgentCaller> {
  const target = options.target ?? { workspaceId: user.workspaceId, serverId: null }
  const caller: AgentCaller = {
    userId: user.id,
    workspaceId: target.workspaceId,
    grantId: `grant-${randomBytes(8).toString('hex')}`,
    clientId: options.clientId ?? `client-${randomBytes(6).toString('hex')}`,
    clientName: options.clientName ?? 'Test agent',
    scopes: ['mcp'],
    target,
  }
  await getDb().agentGrant.create({
    data: {
      id: caller.grantId,
      userId: caller.userId,
      workspaceId: caller.workspaceId,
      resource: new URL(`/mcp/${target.workspaceId}${target.serverId ? `/${target.serverId}` : ''}`, getEnv().PUBLIC_URL).href,
      clientId: caller.clientId,
      clientName: caller.clientName,
      redirectHost: '127.0.0.1',
    },
  })
  return caller
}

async function serve(server: http.Server): Promise<GatewayServer> {
  const base = await listenOnLoopback(server)
  const origin = new URL(base).origin
  const publicOrigin = new URL(getEnv().PUBLIC_URL).origin
  const rewritingFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init)
    const url = request.url.startsWith(publicOrigin) ? origin + request.url.slice(publicOrigin.length) : request.url
    const body = request.body ? await request.arrayBuffer() : undefined
    return fetch(url, { method: request.method, headers: request.headers, body, signal: request.signal, redirect: init?.redirect ?? 'manual' })
  }
  return { origin, publicOrigin, fetch: rewritingFetch, close: () => closeServer(server) }
}
