import { type AuthInfo, OAuthError, OAuthErrorCode, bearerAuthChallengeResponse, verifyBearerToken } from '@modelcontextprotocol/server'
import { MCP_SCOPE, getAuthorizationServer } from '#app/gateway/as/provider.server.ts'
import { findEndpoint } from '#app/gateway/as/resource.server.ts'
import type { AgentCaller } from '#app/gateway/caller.ts'
import { jsonResponse } from '#app/gateway/responses.ts'
import { type EndpointTarget, endpointUrl, resourceMetadataUrl } from '#app/gateway/target.ts'
import { findMemberGrant, grantExists, touchGrant } from '#app/models/agent-apps.server.ts'
import { getEnv } from '#app/utils/env.server.ts'

export type AgentAuthentication = { ok: true; caller: AgentCaller } | { ok: false; response: Response }

const REQUIRED_SCOPES = [MCP_SCOPE]

function invalidToken(description: string): OAuthError {
  return new OAuthError(OAuthErrorCode.InvalidToken, description)
}

/**
 * Who is calling `target`, from the request's bearer token; or the 401/403 answer with its WWW-Authenticate challenge.
 * Only the Authorization header counts: a Switchboard cookie is not read here, so a browser session gets 401. Checked
 * on every request, in the database: the token (by hash) and its expiry, its audience against this endpoint exactly
 * (RFC 8707: a token for one endpoint works nowhere else), the Connected apps row (revoking it cuts the app off at
 * once), the person's membership of the workspace (a removed member is cut off at once), and the `mcp` scope.
 */
export async function authenticateAgent(request: Request, target: EndpointTarget): Promise<AgentAuthentication> {
  const env = getEnv()
  const resource = endpointUrl(env.PUBLIC_URL, target)
  const metadataUrl = resourceMetadataUrl(env.PUBLIC_URL, target)
  let caller: AgentCaller | undefined
  const used: { lastUsedAt: Date | null } = { lastUsedAt: null }
  const verifier = {
    async verifyAccessToken(token: string): Promise<AuthInfo> {
      const verified = await verifyAgentToken(token, target, resource)
      caller = verified.caller
      used.lastUsedAt = verified.lastUsedAt
      return verified.authInfo
    },
  }
  try {
    await verifyBearerToken(request.headers.get('authorization'), {
      verifier,
      expectedResource: new URL(resource),
      requiredScopes: REQUIRED_SCOPES,
      resourceMetadataUrl: metadataUrl,
    })
  } catch (error) {
    return { ok: false, response: challenge(error, metadataUrl) }
  }
  if (!caller) return { ok: false, response: challenge(invalidToken('The access token was not accepted.'), metadataUrl) }
  // Written at most once a minute: a busy agent's calls then cost no write for "last used".
  await touchGrant(caller.grantId, used.lastUsedAt)
  return { ok: true, caller }
}

function challenge(error: unknown, metadataUrl: string): Response {
  const response = bearerAuthChallengeResponse(error, { requiredScopes: REQUIRED_SCOPES, resourceMetadataUrl: metadataUrl })
  response.headers.set('Cache-Control', 'no-store')
  return response
}

async function verifyAgentToken(token: string, target: EndpointTarget, resource: string): Promise<{ authInfo: AuthInfo; caller: AgentCaller; lastUsedAt: Date | null }> {
  const provider = await getAuthorizationServer()
  const accessToken = await provider.AccessToken.find(token)
  if (!accessToken || accessToken.isExpired) throw invalidToken('The access token is unknown, expired or revoked.')
  if (accessToken.aud !== resource) throw invalidToken('The access token was not issued for this endpoint.')
  const { grantId, accountId } = accessToken
  if (!grantId || !accountId) throw invalidToken('The access token is unknown, expired or revoked.')
  const grant = await findMemberGrant(grantId, accountId, target.workspaceId)
  if (!grant) throw invalidToken(await whyGrantRefused(grantId, accountId, target.workspaceId))
  const scopes = (accessToken.scope ?? '').split(' ').filter(Boolean)
  return {
    authInfo: { token, clientId: grant.clientId, scopes, expiresAt: accessToken.exp, resource: new URL(resource) },
    caller: {
      userId: grant.userId,
      workspaceId: grant.workspaceId,
      grantId,
      clientId: grant.clientId,
      clientName: grant.clientName,
      scopes,
      target,
    },
    lastUsedAt: grant.lastUsedAt,
  }
}

/** Why a token's grant does not let it in (looked up only on a refusal, so the accepted path stays one statement). */
async function whyGrantRefused(grantId: string, userId: string, workspaceId: string): Promise<string> {
  return (await grantExists(grantId, userId, workspaceId)) ? 'You are no longer a member of this workspace.' : 'This app’s access was revoked. Connect it again.'
}

/** The endpoint's protected-resource metadata (RFC 9728), or 404 for an endpoint that does not exist. */
export async function protectedResourceMetadataResponse(target: EndpointTarget): Promise<Response> {
  const env = getEnv()
  const endpoint = await findEndpoint(target, env.PUBLIC_URL)
  if (!endpoint) return jsonResponse(404, { error: 'not_found' })
  const body = {
    resource: endpoint.url,
    authorization_servers: [new URL(env.PUBLIC_URL).origin],
    // `offline_access` stays out: the resource's scopes only (MCP authorization, 2026-07-28).
    scopes_supported: REQUIRED_SCOPES,
    bearer_methods_supported: ['header'],
    resource_name: endpoint.serverName
      ? `${endpoint.serverName} (${endpoint.workspaceName}) on Switchboard`
      : `${endpoint.workspaceName} on Switchboard`,
  }
  return jsonResponse(200, body)
}
