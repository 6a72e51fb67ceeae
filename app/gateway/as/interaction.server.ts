import type { Client, Interaction, InteractionRequest, InteractionResponse } from 'oidc-provider'
import { MCP_SCOPE, getAuthorizationServer } from '#app/gateway/as/provider.server.ts'
import { type AgentResource, findResource } from '#app/gateway/as/resource.server.ts'
import { recordAudit } from '#app/models/audit.server.ts'
import { findMember } from '#app/models/workspace.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { getEnv } from '#app/utils/env.server.ts'

/**
 * The consent step of Switchboard's authorization server, for the Remix route `/agent/authorize/<uid>`: what the
 * page shows, and Allow / Deny. oidc-provider's interaction helpers want Node's req/res, but read nothing more
 * than the cookie header of the request; a Remix action has a web Request, so a small shim stands in.
 */

/** What the consent page shows. No secret: the app's name and hosts, the endpoint, the person's membership. */
export type ConsentView = {
  uid: string
  app: {
    name: string
    redirectHost: string
    /** The host of the Client ID Metadata Document that vouched for the app; null when it registered itself. */
    metadataDocumentHost: string | null
  }
  /** The endpoint's workspace (and server); null for a person who is not a member (its name is not theirs to see). */
  endpoint: { workspaceId: string; workspaceName: string; serverName: string | null } | null
  /** False when the person is not a member of the endpoint's workspace: the page then offers only Deny. */
  member: boolean
}

type Consent = { interaction: Interaction; client: Client; resource: AgentResource; redirectHost: string; view: ConsentView }

const KNOWN_SCOPES = new Set([MCP_SCOPE, 'offline_access'])

const expired = () =>
  new Response('This authorization has expired or was already finished. Go back to the app and connect again.', { status: 400 })

/** The Node request/response shapes `interactionDetails` reads: the cookie header, nothing written. */
function nodeShim(request: Request): { req: InteractionRequest; res: InteractionResponse } {
  const url = new URL(request.url)
  return {
    req: { headers: { cookie: request.headers.get('cookie') ?? '', host: url.host }, url: url.pathname, method: request.method, socket: {}, connection: {} },
    res: { getHeader: () => undefined, setHeader: () => {}, removeHeader: () => {}, headersSent: false },
  }
}

/** The interaction in progress for `uid`, from its cookie; 400 when none (expired, finished, another browser). */
async function findInteraction(request: Request, uid: string): Promise<Interaction> {
  const provider = await getAuthorizationServer()
  const { req, res } = nodeShim(request)
  let interaction: Interaction
  try {
    interaction = await provider.interactionDetails(req, res)
  } catch {
    throw expired()
  }
  // The cookie names the interaction; a URL naming another one is not this browser's.
  if (interaction.uid !== uid) throw expired()
  return interaction
}

function stringParam(params: Record<string, unknown>, name: string): string | null {
  const value = params[name]
  return typeof value === 'string' && value !== '' ? value : null
}

/** Everything consent needs, checked; throws a 400 with a sentence for an interaction that cannot be consented to. */
async function loadConsent(request: Request, uid: string, userId: string): Promise<Consent> {
  const interaction = await findInteraction(request, uid)
  const provider = await getAuthorizationServer()
  const env = getEnv()
  const clientId = stringParam(interaction.params, 'client_id')
  const resourceUrl = stringParam(interaction.params, 'resource')
  const redirectUri = stringParam(interaction.params, 'redirect_uri')
  const client = clientId ? await provider.Client.find(clientId).catch(() => undefined) : undefined
  const resource = resourceUrl ? await findResource(resourceUrl, env.PUBLIC_URL) : null
  if (!client || !resource || !redirectUri || !URL.canParse(redirectUri)) {
    throw new Response('This authorization request is incomplete or names an endpoint that no longer exists. Go back to the app and connect again.', { status: 400 })
  }
  const redirectHost = new URL(redirectUri).host
  const metadataDocumentHost = client.clientIdMetadataDocument === true ? new URL(client.clientId).host : null
  const membership = await findMember(resource.target.workspaceId, userId)
  const view: ConsentView = {
    uid,
    app: { name: client.clientName ?? metadataDocumentHost ?? 'An unnamed app', redirectHost, metadataDocumentHost },
    endpoint: membership
      ? { workspaceId: resource.target.workspaceId, workspaceName: resource.workspaceName, serverName: resource.serverName }
      : null,
    member: membership !== null,
  }
  return { interaction, client, resource, redirectHost, view }
}

/** The consent page's data for the signed-in person. */
export async function consentView(request: Request, uid: string, userId: string): Promise<ConsentView> {
  return (await loadConsent(request, uid, userId)).view
}

/**
 * Where the browser goes next: the provider's resume URL for this interaction. Taken from the interaction (never from
 * the query or the form, so consent cannot be turned into an open redirect) and checked to be the provider's own.
 */
function resumeUrl(interaction: Interaction): string {
  const issuer = new URL(getEnv().PUBLIC_URL).origin
  const returnTo = new URL(interaction.returnTo, issuer)
  if (returnTo.origin !== issuer || !returnTo.pathname.startsWith('/as/')) throw expired()
  return returnTo.href
}

function secondsLeft(interaction: Interaction): number {
  return Math.max(1, interaction.exp - Math.floor(Date.now() / 1000))
}

/**
 * Allow: one oidc-provider grant for the app at the endpoint (scope `mcp` on that resource, `offline_access` when
 * asked), the login and consent results in one go (the person is the Switchboard user; the provider's own session
 * never decides), the Connected apps row and an audit event. Returns the resume URL. A non-member gets 403.
 */
export async function allowConsent(request: Request, uid: string, userId: string): Promise<string> {
  const { interaction, client, resource, redirectHost, view } = await loadConsent(request, uid, userId)
  if (!view.member) throw new Response('You are not a member of this workspace, so you cannot allow an app to use it.', { status: 403 })
  // A second Allow for the same interaction (a double submit) resumes the first one's result.
  if (interaction.result) return resumeUrl(interaction)
  const provider = await getAuthorizationServer()
  const grant = new provider.Grant({ accountId: userId, clientId: client.clientId })
  // The requested scopes the provider knows (`mcp`, `offline_access`) are granted as asked, or the provider's consent
  // check finds them missing and asks again; the token's scope at the endpoint is the resource scope.
  const requested = (stringParam(interaction.params, 'scope') ?? '').split(' ').filter((scope) => KNOWN_SCOPES.has(scope))
  if (requested.length > 0) grant.addOIDCScope(requested.join(' '))
  grant.addResourceScope(resource.url, MCP_SCOPE)
  const grantId = await grant.save()
  await getDb().agentGrant.create({
    data: {
      id: grantId,
      userId,
      workspaceId: resource.target.workspaceId,
      resource: resource.url,
      clientId: client.clientId,
      clientName: view.app.name.slice(0, 200),
      redirectHost,
      viaMetadataDocument: view.app.metadataDocumentHost !== null,
    },
    select: { id: true },
  })
  interaction.result = { login: { accountId: userId, remember: false }, consent: { grantId } }
  await interaction.save(secondsLeft(interaction))
  await recordAudit({
    workspaceId: resource.target.workspaceId,
    actorId: userId,
    event: 'agent.app_allowed',
    server: resource.target.serverId && resource.serverName ? { id: resource.target.serverId, name: resource.serverName } : null,
    detail: `${view.app.name} (${view.app.metadataDocumentHost ? `verified by ${view.app.metadataDocumentHost}` : 'registered itself'}, redirects to ${redirectHost})`,
  })
  return resumeUrl(interaction)
}

/** Deny: `access_denied` back to the app. Returns the resume URL. */
export async function denyConsent(request: Request, uid: string): Promise<string> {
  const interaction = await findInteraction(request, uid)
  if (!interaction.result) {
    interaction.result = { error: 'access_denied', error_description: 'The person did not allow this app.' }
    await interaction.save(secondsLeft(interaction))
  }
  return resumeUrl(interaction)
}
