// OAuth figures for `npm run bench`: outbound requests of a first Connect vs a Reconnect with
// cached discovery, and token requests when many tool calls find an expired access token.
import { requireServer } from '#app/models/server.server.ts'
import { callServerTool } from '#app/mcp/tools.server.ts'
import { createAccount } from '#app/utils/auth.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { beginAuthorization } from '#app/oauth/authorize.server.ts'
import { completeAuthorization } from '#app/oauth/callback.server.ts'
import { type SdkAuthServer, startSdkAuthServer } from '#tests/servers/sdk-auth-server.ts'

type Peer = SdkAuthServer

/** Requests the peer saw that a client makes before the browser leaves: metadata and registration. */
function connectRequests(peer: Peer): number {
  const { metadataRequests, registrationRequests } = peer.stats
  return metadataRequests.protectedResource + metadataRequests.authorizationServer + registrationRequests
}

function tokenRequests(peer: Peer, grant: string): number {
  return peer.stats.tokenRequests[grant] ?? 0
}

/** Connect, approve (the SDK peer auto-approves) and callback, as the routes do it. */
export async function connectForBench(serverId: string, workspaceId: string, userId: string): Promise<void> {
  const server = await requireServer(workspaceId, serverId)
  const sessionKey = `bench-session-${userId}`
  const { url } = await beginAuthorization({ server, userId, sessionKey, returnTo: '/' })
  const approved = await fetch(url, { redirect: 'manual' })
  const back = new URL(approved.headers.get('location') ?? '')
  const result = await completeAuthorization(
    {
      state: back.searchParams.get('state'),
      code: back.searchParams.get('code'),
      iss: back.searchParams.get('iss'),
      error: back.searchParams.get('error'),
      errorDescription: null,
    },
    { userId, sessionKey },
    async () => requireServer(workspaceId, serverId),
  )
  if (!result.ok) throw new Error(`bench connect failed: ${result.code}`)
}

export async function createOAuthServer(peer: Peer, name: string) {
  const account = await createAccount({ name, email: `${name.toLowerCase()}-${Date.now()}@bench.test`, password: 'bench-password-123456' })
  const server = await getDb().mcpServer.create({
    data: { workspaceId: account.workspaceId, name, url: peer.mcpUrl, authType: 'oauth', timeoutMs: 10_000 },
    select: { id: true },
  })
  return { userId: account.userId, workspaceId: account.workspaceId, serverId: server.id }
}

export async function measureConnectRequests(): Promise<{ first: number; cached: number; exchange: number }> {
  const peer = await startSdkAuthServer()
  try {
    const { userId, workspaceId, serverId } = await createOAuthServer(peer, 'ConnectBench')
    const before = connectRequests(peer)
    await connectForBench(serverId, workspaceId, userId)
    const first = connectRequests(peer) - before
    const exchange = tokenRequests(peer, 'authorization_code')
    const again = connectRequests(peer)
    await connectForBench(serverId, workspaceId, userId)
    return { first, cached: connectRequests(peer) - again, exchange }
  } finally {
    await peer.close()
  }
}

/**
 * `calls` concurrent tool calls in this process with an access token inside the refresh window:
 * how many refresh requests reach the authorization server (one is right).
 */
export async function measureRefreshStampede(calls: number): Promise<{ tokenRequests: number; failures: number }> {
  const peer = await startSdkAuthServer({ accessTokenTtlSeconds: 30 })
  try {
    const { userId, workspaceId, serverId } = await createOAuthServer(peer, 'StampedeBench')
    await connectForBench(serverId, workspaceId, userId)
    // 25 s into a 30 s token: inside its refresh window (a third of the lifetime), so every call wants a refresh.
    const now = Date.now()
    await getDb().oAuthConnection.updateMany({ where: { serverId }, data: { connectedAt: new Date(now - 25_000), expiresAt: new Date(now + 5_000) } })
    const server = await requireServer(workspaceId, serverId)
    const before = tokenRequests(peer, 'refresh_token')
    const outcomes = await Promise.all(Array.from({ length: calls }, () => callServerTool(userId, server, 'echo', { text: 'x' })))
    return { tokenRequests: tokenRequests(peer, 'refresh_token') - before, failures: outcomes.filter((o) => !o.ok).length }
  } finally {
    await peer.close()
  }
}
