// The OAuth client for outbound MCP servers (docs/decisions/009-oauth-client-design.md and
// 010-oauth-on-sdk-building-blocks.md): Connect, the callback's code exchange, revocation and
// invalidation. Refresh lives in oauth-tokens.server.ts. Built on the MCP SDK's `auth()` and
// token functions; what the SDK lacks (state, iss, expiry, locking, revocation) is added here.
import { auth, exchangeAuthorization } from '@modelcontextprotocol/sdk/client/auth.js'
import type { AuthorizationServerMetadata, OAuthProtectedResourceMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js'
import { InvalidClientError, UnauthorizedClientError } from '@modelcontextprotocol/sdk/server/auth/errors.js'
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js'
import { z } from 'zod'
import {
  type ConnectionWithTokens,
  SHARED_OWNER,
  deleteConnection,
  getConnectionWithTokens,
  listServerConnectionsWithTokens,
  ownerKeyFor,
  saveConnection,
} from '#app/models/oauth-connection.server.ts'
import { type ConsumedFlow, consumeFlow, createFlow, newState } from '#app/models/oauth-flow.server.ts'
import {
  RegistrationRaceError,
  discardRegistrationsOf,
  findRegistration,
  readPreregisteredSecret,
} from '#app/models/oauth-registration.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { logger } from '#app/utils/logger.server.ts'
import { noteDiscoveredIssuer, preregisteredClientMovedFrom } from '#app/models/oauth-issuer.server.ts'
import { getSessionPool } from '#app/utils/mcp-sessions.server.ts'
import {
  type OAuthDiscovery,
  type StoredChallenge,
  discoverOAuth,
  forgetDiscovery,
  isAcceptableEndpoint,
  oauthFetch,
  revocationEndpoint,
  sameIssuer,
  storedChallenge,
} from '#app/utils/oauth-discovery.server.ts'
import { logOAuthStep } from '#app/utils/oauth-log.server.ts'
import { OAuthProblem, explainOAuthError, shortDescription, toOAuthProblem } from '#app/utils/oauth-errors.server.ts'
import { type OAuthException, parseOAuthExceptions, type TokenAuthMethod } from '#app/utils/oauth-exceptions.ts'
import { type ClientIdentity, SwitchboardOAuthProvider, applyClientAuthentication, preferredAuthMethod } from '#app/utils/oauth-provider.server.ts'

export const CALLBACK_PATH = '/oauth/callback'
export const CLIENT_METADATA_PATH = '/oauth/client-metadata.json'

/** The server fields the OAuth client needs. */
export type OAuthServer = {
  id: string
  workspaceId: string
  name: string
  url: string
  configVersion: number
  oauthClientId: string | null
  oauthTokenAuthMethod: string | null
  oauthScopes: string | null
  oauthShared: boolean
  oauthExceptions: string
}

export function redirectUri(): string {
  return `${getEnv().PUBLIC_URL}${CALLBACK_PATH}`
}

/** The Client ID Metadata Document's URL, when it can be offered (https with a path). */
export function clientMetadataUrl(): string | null {
  const env = getEnv()
  const url = env.OAUTH_CLIENT_METADATA_URL ?? `${env.PUBLIC_URL}${CLIENT_METADATA_PATH}`
  return url.startsWith('https:') ? url : null
}

/** Switchboard's Client ID Metadata Document (draft-ietf-oauth-client-id-metadata-document). */
export function clientMetadataDocument(): Record<string, unknown> | null {
  const url = clientMetadataUrl()
  if (!url) return null
  return {
    client_id: url,
    client_name: 'Switchboard',
    client_uri: getEnv().PUBLIC_URL,
    redirect_uris: [redirectUri()],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    application_type: 'web',
  }
}

export function exceptionsOf(server: OAuthServer): OAuthException[] {
  return parseOAuthExceptions(server.oauthExceptions)
}

export function discoveryTarget(server: OAuthServer) {
  return { id: server.id, url: server.url, exceptions: exceptionsOf(server) }
}

/** The pre-registered client an admin entered, if any. Throws OAuthProblem when its secret is unreadable. */
async function preregisteredIdentity(server: OAuthServer, metadata: AuthorizationServerMetadata): Promise<ClientIdentity | null> {
  if (!server.oauthClientId) return null
  const { secret, unreadable } = await readPreregisteredSecret(server.id)
  if (unreadable) {
    throw new OAuthProblem(
      'client_secret_unreadable',
      'The stored client secret of this server can no longer be read (the encryption key changed). An admin must enter it again.',
      { status: 500 },
    )
  }
  const chosen = server.oauthTokenAuthMethod as TokenAuthMethod | null
  const authMethod: TokenAuthMethod = secret === null ? 'none' : (chosen ?? preferredAuthMethod(metadata))
  return { kind: 'preregistered', clientId: server.oauthClientId, clientSecret: secret, authMethod: authMethod === 'none' && secret ? 'client_secret_basic' : authMethod }
}

/**
 * The identity a connection or flow was made with, as it is stored now. Null when it is gone.
 * Throws OAuthProblem when a pre-registered secret no longer decrypts.
 */
export async function storedIdentity(
  server: OAuthServer,
  issuer: string,
  metadata: AuthorizationServerMetadata,
  kind: ClientIdentity['kind'],
  clientId: string,
): Promise<ClientIdentity | null> {
  if (kind === 'metadata_document') return clientId === clientMetadataUrl() ? { kind, clientId, clientSecret: null, authMethod: 'none' } : null
  if (kind === 'preregistered') {
    const identity = await preregisteredIdentity(server, metadata)
    return identity && identity.clientId === clientId ? identity : null
  }
  const registration = await findRegistration(server.id, issuer, redirectUri())
  if (!registration || registration.clientId !== clientId) return null
  return { kind, clientId, clientSecret: registration.clientSecret, authMethod: registration.tokenEndpointAuthMethod }
}

/**
 * Whether Switchboard can identify itself at this authorization server without a client an
 * admin registered: by its Client ID Metadata Document (when the server supports them and one
 * can be offered) or by Dynamic Client Registration.
 */
export function canIdentifyWithoutClient(metadata: AuthorizationServerMetadata): boolean {
  return Boolean((clientMetadataUrl() && metadata.client_id_metadata_document_supported === true) || metadata.registration_endpoint)
}

/**
 * Scopes to ask for, in the spec's order: the admin's choice → the challenge's `scope` →
 * the resource metadata's `scopes_supported` → none (never invented). `extra` is added for a
 * step-up. `offline_access` is added only when the authorization server lists it.
 */
export function scopesToRequest(server: OAuthServer, discovery: OAuthDiscovery, challengeScope: string | null, extra: string[] = []): string {
  const base =
    server.oauthScopes?.trim() || challengeScope?.trim() || discovery.resourceMetadata?.scopes_supported?.join(' ') || ''
  const scopes = new Set([...base.split(/\s+/), ...extra].filter(Boolean))
  if (scopes.size > 0 && discovery.metadata.scopes_supported?.includes('offline_access')) scopes.add('offline_access')
  return [...scopes].join(' ')
}

export type ConnectInput = {
  server: OAuthServer
  userId: string
  sessionKey: string
  /** Where to land afterwards: a same-origin path (checked by the caller). */
  returnTo: string
  purpose?: 'connect' | 'step_up'
  /** From a 401/403 challenge, when there was one. */
  challenge?: { resourceMetadata: string | null; scope: string | null } | null
  /** Scopes to add (step-up: granted ∪ challenged). */
  extraScopes?: string[]
}

function fromStored(stored: StoredChallenge): NonNullable<ConnectInput['challenge']> {
  return { resourceMetadata: stored.resourceMetadataUrl, scope: stored.scope }
}

/**
 * Connect: discovery, client identity, PKCE and a stored flow. Returns the authorization URL
 * for a 302. Throws OAuthProblem with a sentence for the person.
 */
export async function beginAuthorization(input: ConnectInput): Promise<{ url: string; discovery: OAuthDiscovery; scopes: string }> {
  const { server } = input
  // MCP 2025-11-25: the latest challenge (a 401 while in use, or the probe's) names where the
  // metadata is and what scope to ask for first, at every Connect, Reconnect and step-up.
  const challenge = input.challenge ?? fromStored(await storedChallenge(server.id))
  const discovery = await discoverOAuth(discoveryTarget(server), { resourceMetadataUrl: challenge.resourceMetadata ?? null })
  const withChallenge = { ...input, challenge }
  // A server that moved its sign-in: the old issuer's connections must reconnect, and this
  // Connect goes to the new issuer only (registrations are looked up by issuer).
  await noteDiscoveredIssuer(server, discovery)
  if (server.oauthClientId) {
    const moved = await preregisteredClientMovedFrom(server.id)
    if (moved) {
      throw new OAuthProblem(
        'client_for_old_issuer',
        `${server.name} moved its sign-in from ${moved.from} to ${moved.to}. Its pre-registered client was entered for ${moved.from}, so Switchboard does not send it to ${moved.to}. An admin must save the client registered at ${moved.to} on this server’s page, or remove the client so that Switchboard registers itself.`,
        { status: 409 },
      )
    }
  }
  try {
    return await startWith(withChallenge, discovery)
  } catch (error) {
    // Two people registered the workspace's client at once: the other one's is stored, use it.
    if (error instanceof RegistrationRaceError) return startWith(withChallenge, discovery)
    throw error
  }
}

async function startWith(input: ConnectInput, discovery: OAuthDiscovery): Promise<{ url: string; discovery: OAuthDiscovery; scopes: string }> {
  const { server } = input
  const redirect = redirectUri()
  let identity = await preregisteredIdentity(server, discovery.metadata)
  if (!identity) {
    const registration = await findRegistration(server.id, discovery.issuer, redirect)
    if (registration) {
      identity = { kind: 'dynamic', clientId: registration.clientId, clientSecret: registration.clientSecret, authMethod: registration.tokenEndpointAuthMethod }
    }
  }
  const cimd = clientMetadataUrl()
  if (!identity && !canIdentifyWithoutClient(discovery.metadata)) {
    throw new OAuthProblem(
      'registration_unavailable',
      `The authorization server does not let Switchboard register itself. An admin must register a client there (redirect URI: ${redirect}) and enter its client ID and secret on this server’s page.`,
      { status: 409 },
    )
  }
  const scopes = scopesToRequest(server, discovery, input.challenge?.scope ?? null, input.extraScopes)
  const { state, id } = newState()
  const provider = new SwitchboardOAuthProvider({
    serverId: server.id,
    discovery,
    redirectUri: redirect,
    publicUrl: getEnv().PUBLIC_URL,
    clientMetadataUrl: cimd,
    identity,
    state,
  })
  // The SDK reports a registration refusal with an RFC 7591 code it does not know as a server
  // error, and drops the error code it does know: keep the status and the server's own words.
  let refusal: { status: number; words: string } | null = null
  const base = oauthFetch()
  const fetchFn: FetchLike = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    const registering = url === discovery.metadata.registration_endpoint
    const startedAt = performance.now()
    const log = (outcome: string) => logOAuthStep('registration', { serverId: server.id, issuer: discovery.issuer, endpoint: url, outcome, startedAt })
    try {
      const response = await base(input, init)
      if (registering) {
        if (response.status >= 400 && response.status < 500) {
          refusal = { status: response.status, words: await registrationErrorWords(response.clone()) }
        }
        log(response.ok ? 'ok' : `http_${response.status}`)
      }
      return response
    } catch (error) {
      if (registering) log(toOAuthProblem(error, 'client registration').code)
      throw error
    }
  }
  let result: Awaited<ReturnType<typeof auth>>
  try {
    result = await auth(provider, { serverUrl: server.url, scope: scopes || undefined, fetchFn })
  } catch (error) {
    if (error instanceof RegistrationRaceError) throw error
    if (refusal !== null) {
      const { status, words } = refusal
      // React escapes the text; registrationErrorWords already shortened it and removed control characters.
      throw new OAuthProblem(
        'registration_refused',
        `The authorization server refused to register Switchboard${words ? `: “${words}”` : ` (HTTP ${status})`}. An admin can register a client there (redirect URI: ${redirect}) and enter its client ID and secret on this server’s page.`,
        { status: 502, cause: error },
      )
    }
    throw toOAuthProblem(error, identity ? 'sign-in' : 'client registration', { redirectUri: redirect })
  }
  const { authorizationUrl, codeVerifier, identity: used } = provider.captured
  if (result !== 'REDIRECT' || !authorizationUrl || !codeVerifier || !used) {
    throw new OAuthProblem('protocol_error', 'Could not start the sign-in with this authorization server.', { status: 502 })
  }
  if (!isAcceptableEndpoint(authorizationUrl.href)) {
    throw new OAuthProblem('discovery_failed', 'The authorization server’s sign-in page is not an https address. Switchboard refuses to send you there.', { status: 502 })
  }
  const shared = server.oauthShared
  await createFlow({
    id,
    userId: input.userId,
    sessionKey: input.sessionKey,
    serverId: server.id,
    configVersion: server.configVersion,
    codeVerifier,
    issuer: discovery.issuer,
    requireIss: (discovery.metadata as Record<string, unknown>).authorization_response_iss_parameter_supported === true,
    metadata: JSON.stringify({
      metadata: discovery.metadata,
      resourceMetadata: discovery.resourceMetadata,
      resourceMetadataUrl: discovery.resourceMetadataUrl,
      legacy: discovery.legacy,
    }),
    resource: discovery.resource,
    redirectUri: redirect,
    clientKind: used.kind,
    clientId: used.clientId,
    scopes,
    shared,
    purpose: input.purpose ?? 'connect',
    returnTo: input.returnTo,
  })
  return { url: authorizationUrl.href, discovery, scopes }
}

const RegistrationErrorSchema = z.object({ error: z.string(), error_description: z.string().optional() })

/**
 * What a refused registration (RFC 7591 §3.2.2) says: `error: error_description`, shortened and
 * stripped of control characters; empty when the body is no OAuth error.
 */
async function registrationErrorWords(response: Response): Promise<string> {
  let body: unknown
  try {
    body = await response.json()
  } catch {
    return ''
  }
  const parsed = RegistrationErrorSchema.safeParse(body)
  if (!parsed.success) return ''
  const code = shortDescription(parsed.data.error).slice(0, 64)
  const description = shortDescription(parsed.data.error_description)
  return shortDescription(description ? `${code}: ${description}` : code)
}

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
    const detail = shortDescription(params.errorDescription)
    const message = explainOAuthError(code, { redirectUri: flow.redirectUri }) + (detail ? ` (The authorization server said: “${detail}”.)` : '')
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


export type RevocationOutcome = { attempted: boolean; ok: boolean; message: string | null }

/**
 * What revoking one connection needs (endpoint and client identity), read while the server's
 * settings that issued the tokens are still stored: a change of client or a deleted server
 * would otherwise revoke with the new credentials, or with none.
 */
export type PreparedRevocation = {
  connection: ConnectionWithTokens
  target: { endpoint: string; identity: ClientIdentity } | null
  problem: string | null
}

async function prepareRevocation(server: OAuthServer, connection: ConnectionWithTokens): Promise<PreparedRevocation> {
  if (!connection.refreshToken && !connection.accessToken) return { connection, target: null, problem: null }
  let discovery: OAuthDiscovery
  try {
    discovery = await discoverOAuth(discoveryTarget(server))
  } catch (error) {
    return { connection, target: null, problem: `Could not reach the authorization server to revoke access: ${toOAuthProblem(error, 'revocation').message}` }
  }
  const endpoint = revocationEndpoint(discovery.metadata)
  if (!endpoint || !sameIssuer(discovery.issuer, connection.issuer)) {
    const outcome = endpoint ? 'issuer_changed' : 'no_revocation_endpoint'
    logOAuthStep('revocation_skipped', { serverId: server.id, issuer: connection.issuer, endpoint: null, outcome })
    return { connection, target: null, problem: null }
  }
  const identity = await storedIdentity(server, connection.issuer, discovery.metadata, connection.clientKind, connection.clientId).catch(() => null)
  if (!identity) return { connection, target: null, problem: 'Could not revoke access at the authorization server: Switchboard’s client registration is gone.' }
  return { connection, target: { endpoint, identity }, problem: null }
}

/** RFC 7009 requests for a prepared revocation, refresh token first. Never throws. */
async function sendRevocation(prepared: PreparedRevocation): Promise<RevocationOutcome> {
  const { connection, target, problem } = prepared
  if (problem) return { attempted: true, ok: false, message: problem }
  if (!target) return { attempted: false, ok: true, message: null }
  const tokens = [
    connection.refreshToken ? { token: connection.refreshToken, hint: 'refresh_token' } : null,
    connection.accessToken ? { token: connection.accessToken, hint: 'access_token' } : null,
  ].filter((entry) => entry !== null)
  const failures: string[] = []
  for (const [index, { token, hint }] of tokens.entries()) {
    const headers = new Headers({ 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' })
    const body = new URLSearchParams({ token, token_type_hint: hint })
    applyClientAuthentication(target.identity, headers, body)
    const startedAt = performance.now()
    const log = (outcome: string) =>
      logOAuthStep('revocation', { serverId: connection.serverId, issuer: connection.issuer, endpoint: target.endpoint, outcome: `${hint}:${outcome}`, startedAt })
    try {
      const response = await oauthFetch()(target.endpoint, { method: 'POST', headers, body })
      const text = await response.text().catch(() => '')
      const code = response.ok ? null : (/"error"\s*:\s*"([a-z_]+)"/.exec(text)?.[1] ?? null)
      log(response.ok ? 'ok' : (code ?? `http_${response.status}`))
      if (response.ok) continue
      // A JWT access token often cannot be revoked (it expires on its own); revoking the
      // refresh token already ended the grant.
      if (hint === 'access_token' && index > 0 && code === 'unsupported_token_type') continue
      failures.push(`the ${hint === 'refresh_token' ? 'refresh' : 'access'} token (HTTP ${response.status}${code ? `, ${code}` : ''})`)
    } catch (error) {
      const code = toOAuthProblem(error, 'revocation').code
      log(code)
      failures.push(`the ${hint === 'refresh_token' ? 'refresh' : 'access'} token (${code})`)
    }
  }
  return failures.length === 0
    ? { attempted: true, ok: true, message: null }
    : { attempted: true, ok: false, message: `The authorization server did not confirm revoking ${failures.join(' and ')}. Switchboard deleted its copy anyway.` }
}

/**
 * RFC 7009: revokes the refresh token, then the access token, at the authorization server
 * when it has a revocation endpoint. Never throws: a failure is reported in words.
 */
export async function revokeTokens(server: OAuthServer, connection: ConnectionWithTokens): Promise<RevocationOutcome> {
  return sendRevocation(await prepareRevocation(server, connection))
}

/**
 * Call BEFORE a server's URL, auth type, client, sharing changes or it is deleted: reads every
 * connection and what revoking it needs under the settings that issued it. Pass the result to
 * `invalidateServerOAuth` once the change is committed.
 */
export async function prepareServerInvalidation(server: OAuthServer): Promise<PreparedRevocation[]> {
  const prepared: PreparedRevocation[] = []
  // One after the other: the first fills the discovery cache the others read.
  for (const connection of await listServerConnectionsWithTokens(server.id)) prepared.push(await prepareRevocation(server, connection))
  return prepared
}

/** Disconnect: revoke at the authorization server (best effort), then delete locally. */
export async function disconnect(
  server: OAuthServer,
  ownerKey: string,
): Promise<RevocationOutcome & { existed: boolean; issuer: string | null; scopes: string | null }> {
  const connection = await getConnectionWithTokens(server.id, ownerKey)
  if (!connection) return { existed: false, attempted: false, ok: true, message: null, issuer: null, scopes: null }
  // End the MCP sessions opened with these tokens while the tokens still work (their DELETE
  // carries them): after the revocation the server would refuse it and keep the sessions.
  await getSessionPool().closeSessions((key) => key.serverId === server.id && (ownerKey === SHARED_OWNER || key.userId === ownerKey))
  const revocation = await revokeTokens(server, connection)
  await deleteConnection(connection.id)
  return { existed: true, ...revocation, issuer: connection.issuer, scopes: connection.scopes || null }
}

/**
 * After a server's URL, auth type or client credentials changed, or it was deleted (already
 * committed): every connection prepared before the change (`prepareServerInvalidation`) is
 * revoked where possible and deleted, the shared registration dropped and discovery forgotten.
 * Members then see "Connect". `previous` is the server as it was before the change.
 */
export async function invalidateServerOAuth(
  previous: OAuthServer,
  prepared?: PreparedRevocation[],
): Promise<{ connections: number; revocationFailures: number }> {
  const list = prepared ?? (await prepareServerInvalidation(previous))
  // Sessions first, with the tokens they were opened with, which still work until revoked below.
  await getSessionPool().closeServer(previous.id)
  let revocationFailures = 0
  for (const entry of list) {
    const outcome = await sendRevocation(entry)
    if (!outcome.ok) revocationFailures++
    await deleteConnection(entry.connection.id)
  }
  await discardRegistrationsOf(previous.id)
  await forgetDiscovery(previous.id)
  if (list.length > 0) {
    logger.info({ serverId: previous.id, connections: list.length, revocationFailures }, 'OAuth connections invalidated')
  }
  return { connections: list.length, revocationFailures }
}

