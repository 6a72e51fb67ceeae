import { getConnectionWithTokens } from '#app/oauth/store/connections.server.ts'
import { findRegistration } from '#app/oauth/store/registrations.server.ts'
import { type ServerSummary, requireServer } from '#app/models/server.server.ts'
import { action as connectAction } from '#app/routes/w.$workspaceId.servers.$serverId.connect.tsx'
import { action as disconnectAction } from '#app/routes/w.$workspaceId.servers.$serverId.disconnect.tsx'
import { action as toolAction } from '#app/routes/w.$workspaceId.servers.$serverId.tools.$toolName.tsx'
import { loader as toolsPageLoader } from '#app/routes/w.$workspaceId.tools.tsx'
import { getDb } from '#app/utils/db.server.ts'
import { redirectUri } from '#app/oauth/client-identity.server.ts'
import { connectionRow } from '#tests/faults/fault-checks.ts'
import { type FaultPeer } from '#tests/faults/fault-peer.ts'
import { connectThroughRoutes } from '#tests/multi-instance/oauth-kit.ts'
import { type SdkAuthServer } from '#tests/servers/sdk-auth-server.ts'
import { type TestAccount, dataOf, formRequest, getRequest, loadContext, settle, statusOf } from '#tests/utils.ts'

// The entry points the fault cases drive (route actions and loaders, as a browser would reach
// them) and the set-up they share.

/** The signed-in user a fault suite works as (tests/utils.ts). */
export type Account = TestAccount

/** A server that works (the demo at `url`), to show that the app serves other requests while a step fails. */
export type HealthyServer = { userId: string; server: ServerSummary }

/** Adds the demo at `url` to the account's workspace as the healthy server (a 5 s timeout, no auth). */
export async function healthyServerFor(account: Account, url: string): Promise<HealthyServer> {
  const { user } = account
  const row = await getDb().mcpServer.create({ data: { workspaceId: user.workspaceId, name: 'Healthy demo', url, timeoutMs: 5_000 }, select: { id: true } })
  return { userId: user.id, server: await requireServer(user.workspaceId, row.id) }
}

/** An OAuth server row on the fault peer's mcp face, optionally connected through the real routes. */
export async function oauthServerOn(
  account: Account,
  peer: SdkAuthServer,
  faults: FaultPeer,
  options: { connected: boolean; expired?: boolean; timeoutMs?: number },
) {
  const { user, cookie } = account
  const created = await getDb().mcpServer.create({
    data: {
      workspaceId: user.workspaceId,
      name: `Faulty ${Math.random().toString(36).slice(2, 10)}`,
      url: faults.onMcpFace(peer.mcpUrl),
      authType: 'oauth',
      authTypeLocked: true,
      timeoutMs: options.timeoutMs ?? 5_000,
    },
    select: { id: true },
  })
  const serverId = created.id
  const workspaceId = user.workspaceId
  if (options.connected) await connectThroughRoutes({ workspaceId, serverId, cookie })
  if (options.expired) {
    // Switchboard now thinks the access token is spent (the peer would still take it): the next use refreshes.
    await getDb().oAuthConnection.updateMany({ where: { serverId }, data: { expiresAt: new Date(Date.now() - 1000) } })
  }
  const server = await requireServer(workspaceId, serverId)
  return { serverId, workspaceId, server, before: await connectionRow(serverId, user.id) }
}

export type OAuthCase = Awaited<ReturnType<typeof oauthServerOn>>

const routeArgs = (workspaceId: string, serverId: string, extra: Record<string, string> = {}) => ({
  params: { workspaceId, serverId, ...extra },
  context: loadContext(),
})

/** The tool page's "Run tool" form for `echo`. */
export async function runEchoThroughRoute(account: Account, target: { workspaceId: string; serverId: string }, message = 'hello') {
  const { workspaceId, serverId } = target
  const result = await settle(() =>
    toolAction({
      request: formRequest(`/w/${workspaceId}/servers/${serverId}/tools/echo`, { intent: 'run-tool', 'arg.message': message }, account.cookie),
      ...routeArgs(workspaceId, serverId, { toolName: 'echo' }),
    }),
  )
  return { status: statusOf(result), data: dataOf(result) }
}

/** The failure (kind, message, action) a tool page answer carries, or null for a result. */
export function failureOf(data: unknown): { kind: string; message: string; action: string } | null {
  if (typeof data !== 'object' || data === null || !('kind' in data) || data.kind !== 'failure') return null
  const failure = 'failure' in data ? data.failure : null
  if (typeof failure !== 'object' || failure === null) return null
  return {
    kind: 'kind' in failure ? String(failure.kind) : '',
    message: 'message' in failure ? String(failure.message) : '',
    action: 'action' in failure ? String(failure.action) : '',
  }
}

/** The text of the first content block of a tool result (its bounded display result) in a tool page answer. */
export function resultTextOf(data: unknown): string | null {
  if (typeof data !== 'object' || data === null || !('kind' in data) || data.kind !== 'result' || !('result' in data)) return null
  const result = data.result
  if (typeof result !== 'object' || result === null || !('blocks' in result) || !Array.isArray(result.blocks)) return null
  const first: unknown = result.blocks[0]
  if (typeof first !== 'object' || first === null || !('kind' in first) || first.kind !== 'text' || !('text' in first)) return null
  const clipped = first.text
  return typeof clipped === 'object' && clipped !== null && 'text' in clipped ? String(clipped.text) : null
}

/** The Tools page: the section of one server (its tools, or the failure it shows). */
export async function toolsPageSection(account: Account, target: { workspaceId: string; serverId: string }) {
  const { workspaceId, serverId } = target
  const result = await settle(() =>
    toolsPageLoader({ request: getRequest(`/w/${workspaceId}/tools?server=${serverId}`, account.cookie), params: { workspaceId }, context: loadContext() }),
  )
  const data = dataOf(result)
  const sections = typeof data === 'object' && data !== null && 'sections' in data && Array.isArray(data.sections) ? data.sections : []
  const section: unknown = sections[0]
  if (typeof section !== 'object' || section === null) throw new Error(`the Tools page answered HTTP ${statusOf(result)} without the server's section`)
  const tools = 'tools' in section && Array.isArray(section.tools) ? section.tools.map((tool: unknown) => (typeof tool === 'object' && tool !== null && 'name' in tool ? String(tool.name) : '')) : []
  const failure = 'failure' in section ? failureOf({ kind: 'failure', failure: section.failure }) : null
  return { status: statusOf(result), tools, failure }
}

/** The Connect form (POST → 302 to the authorization server, or back to the server page with a flash). */
export function connectThroughRoute(account: Account, target: { workspaceId: string; serverId: string }) {
  const { workspaceId, serverId } = target
  return settle(() =>
    connectAction({
      request: formRequest(`/w/${workspaceId}/servers/${serverId}/connect`, { intent: 'connect' }, account.cookie),
      ...routeArgs(workspaceId, serverId),
    }),
  )
}

/** The Disconnect form (confirmed). */
export function disconnectThroughRoute(account: Account, target: { workspaceId: string; serverId: string }) {
  const { workspaceId, serverId } = target
  return settle(() =>
    disconnectAction({
      request: formRequest(`/w/${workspaceId}/servers/${serverId}/disconnect`, { intent: 'disconnect', confirm: 'on' }, account.cookie),
      ...routeArgs(workspaceId, serverId),
    }),
  )
}

/** Refresh requests the fault peer's token face received. */
export const refreshRequestsAt = (faults: FaultPeer) =>
  faults.exchanges.filter((exchange) => exchange.face === 'token' && exchange.body.includes('grant_type=refresh_token')).length

export type { ServerSummary }

/** Every secret stored for a server (tokens, the registration's client secret): none may appear in a message. */
export async function secretsOf(serverId: string, userId: string): Promise<string[]> {
  const connection = await getConnectionWithTokens(serverId, userId)
  const registrations = await getDb().oAuthClientRegistration.findMany({ where: { serverId }, select: { issuer: true } })
  const secrets = [connection?.accessToken, connection?.refreshToken]
  for (const { issuer } of registrations) secrets.push((await findRegistration(serverId, issuer, redirectUri()))?.clientSecret)
  return secrets.filter((secret): secret is string => Boolean(secret))
}
