// The OAuth callback: checks state and iss, exchanges the code (PKCE, resource) and stores the
// tokens. Connect, which starts the flow, is in oauth/authorize.server.ts; the use case around
// this step (audit, re-registration, where to go) is oauth/finish-connect.server.ts; the tokens
// stored here are used and refreshed by oauth/tokens.server.ts.
import { exchangeAuthorization } from '@modelcontextprotocol/sdk/client/auth.js'
import type { AuthorizationServerMetadata, OAuthProtectedResourceMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js'
import { InvalidClientError, UnauthorizedClientError } from '@modelcontextprotocol/sdk/server/auth/errors.js'
import { type ConsumedFlow, consumeFlow } from '#app/oauth/store/flows.server.ts'
import { discardRegistrationsOf } from '#app/oauth/store/registrations.server.ts'
import { ownerKeyFor, saveConnection } from '#app/oauth/store/connections.server.ts'
import { type OAuthServer, storedIdentity } from '#app/oauth/client-identity.server.ts'
import { explainOAuthError, shortDescription, theServerSaid, toOAuthProblem } from '#app/oauth/errors.server.ts'
import { oauthFetch } from '#app/oauth/http.server.ts'
import { logOAuthStep } from '#app/oauth/log.server.ts'
import { sameIssuer } from '#app/oauth/metadata.server.ts'
import { type ClientIdentity, applyClientAuthentication } from '#app/oauth/provider.server.ts'

/** The callback's query, as received. */
export type CallbackParams = {
  state: string | null
  code: string | null
  iss: string | null
  error: string | null
  errorDescription: string | null
}

/** Why a callback ended without a connection. `flow` is known when the state was valid. */
export type CallbackFailure = {
  ok: false
  status: number
  code: string
  message: string
  flow: ConsumedFlow | null
}

export type CallbackSuccess = { ok: true; flow: ConsumedFlow; scopes: string; issuer: string }

/**
 * The callback: checks `state` (exists, unexpired, unused, same user and browser session) and
 * `iss` (RFC 9207), then exchanges the code with the PKCE verifier and `resource` and stores
 * the tokens. `loadServer` returns the flow's server when the user may still use it.
 */
export async function completeAuthorization(
  params: CallbackParams,
  who: { userId: string; sessionKey: string },
  loadServer: (serverId: string) => Promise<OAuthServer | null>,
): Promise<CallbackSuccess | CallbackFailure> {
  const fail = (status: number, code: string, message: string, flow: ConsumedFlow | null = null): CallbackFailure => ({
    ok: false,
    status,
    code,
    message,
    flow,
  })
  if (!params.state || params.state.length > 512) {
    return fail(400, 'missing_state', 'This sign-in link is incomplete (it has no state). Start again with Connect on the server’s page.')
  }
  // The owner check is part of the one atomic consume: a callback opened by another account or in
  // another browser is refused and leaves the flow for the person who started it.
  const consumed = await consumeFlow(params.state, who)
  if (!consumed.ok && consumed.reason === 'not_yours') {
    // Not this person's (or not this browser's) sign-in: nothing from it is used, stored or changed.
    return fail(403, 'wrong_session', 'This sign-in was started by another account or in another browser, so Switchboard did not use it. Start again with Connect.')
  }
  if (!consumed.ok) {
    return fail(400, 'unknown_state', 'This sign-in is unknown or was already completed. If you pressed Back or reloaded, check the server’s page: you may be connected already. Otherwise start again with Connect.')
  }
  const flow = consumed.flow
  if (flow.expiresAt.getTime() <= Date.now()) {
    return fail(400, 'expired_state', 'This sign-in took too long (more than 10 minutes) and has expired. Start again with Connect.', flow)
  }
  // RFC 9207: a response from another authorization server (mix-up) is dropped unread.
  // Compared as exact strings (RFC 9207 §2.4): `http://host/` is not `http://host`.
  if (params.iss !== null ? !sameIssuer(params.iss, flow.issuer) : flow.requireIss) {
    return fail(
      400,
      'issuer_mismatch',
      params.iss === null
        ? 'The authorization server’s answer did not say who sent it (no iss), although it promised to. Switchboard ignored it. Start again with Connect.'
        : 'The answer came from another authorization server than the one Switchboard sent you to. Switchboard ignored it. Start again with Connect.',
      flow,
    )
  }
  if (params.error) {
    const code = shortDescription(params.error).slice(0, 64)
    const message = explainOAuthError(code, { redirectUri: flow.redirectUri }) + theServerSaid(params.errorDescription ?? '')
    return fail(code === 'temporarily_unavailable' || code === 'server_error' ? 503 : 400, code, message, flow)
  }
  if (!params.code || params.code.length > 4096) {
    return fail(400, 'missing_code', 'The authorization server sent you back without an authorization code. Start again with Connect.', flow)
  }
  if (!flow.codeVerifier) {
    return fail(500, 'verifier_unreadable', 'This sign-in can no longer be completed (its stored data could not be read). Start again with Connect.', flow)
  }
  const server = await loadServer(flow.serverId)
  if (!server) return fail(404, 'server_gone', 'The server of this sign-in no longer exists, or you no longer have access to it.', flow)
  if (server.configVersion !== flow.configVersion) {
    return fail(409, 'server_changed', 'An admin changed this server’s settings while you were signing in. Start again with Connect.', flow)
  }
  const stored = JSON.parse(flow.metadata) as {
    metadata: AuthorizationServerMetadata
    resourceMetadata: OAuthProtectedResourceMetadata | null
  }
  let identity: ClientIdentity | null
  try {
    identity = await storedIdentity(server, flow.issuer, stored.metadata, flow.clientKind, flow.clientId)
  } catch (error) {
    const problem = toOAuthProblem(error, 'sign-in')
    return fail(problem.status, problem.code, problem.message, flow)
  }
  if (!identity) {
    return fail(409, 'client_changed', 'This server’s OAuth client changed while you were signing in. Start again with Connect.', flow)
  }
  let tokens: OAuthTokens
  const exchangeStartedAt = performance.now()
  const logExchange = (outcome: string) =>
    logOAuthStep('token_exchange', { serverId: server.id, issuer: flow.issuer, endpoint: stored.metadata.token_endpoint, outcome, startedAt: exchangeStartedAt })
  try {
    tokens = await exchangeAuthorization(flow.issuer, {
      metadata: stored.metadata,
      clientInformation: { client_id: identity.clientId },
      authorizationCode: params.code,
      codeVerifier: flow.codeVerifier,
      redirectUri: flow.redirectUri,
      ...(flow.resource ? { resource: flow.resource } : {}),
      addClientAuthentication: (headers, body) => applyClientAuthentication(identity, headers, body),
      fetchFn: oauthFetch(),
    })
    logExchange('ok')
  } catch (error) {
    logExchange(toOAuthProblem(error, 'the code exchange').code)
    if ((error instanceof InvalidClientError || error instanceof UnauthorizedClientError) && identity.kind === 'dynamic') {
      // The registration is no longer accepted (deleted at the server, PUBLIC_URL changed…):
      // forget it, so the next Connect registers again.
      await discardRegistrationsOf(server.id, identity.clientId)
      return fail(502, 'registration_rejected', 'The authorization server no longer accepts Switchboard’s registration. Switchboard discarded it and will register again.', flow)
    }
    const problem = toOAuthProblem(error, 'the code exchange', { redirectUri: flow.redirectUri })
    return fail(problem.status, problem.code, problem.message, flow)
  }
  if (tokens.token_type.toLowerCase() !== 'bearer') {
    return fail(502, 'unsupported_token_type', `The authorization server issued a “${shortDescription(tokens.token_type)}” token; Switchboard supports Bearer tokens only.`, flow)
  }
  const scopes = tokens.scope ?? flow.scopes
  await saveConnection({
    serverId: server.id,
    ownerKey: ownerKeyFor(who.userId, flow.shared),
    userId: flow.shared ? null : who.userId,
    connectedById: who.userId,
    issuer: flow.issuer,
    clientKind: identity.kind,
    clientId: identity.clientId,
    configVersion: server.configVersion,
    tokens: {
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token ?? null,
      expiresIn: tokens.expires_in ?? null,
      scopes,
    },
  })
  return { ok: true, flow, scopes, issuer: flow.issuer }
}
