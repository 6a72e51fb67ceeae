// Connect (and Reconnect, step-up): discovery, client identity, PKCE and a stored flow
// (oauth/store/flows.server.ts, keyed by the `state`), built on the MCP SDK's `auth()`. The use
// case that calls it is oauth/connect.server.ts; the callback that completes the flow is
// oauth/finish-connect.server.ts → oauth/callback.server.ts.
import { auth } from '@modelcontextprotocol/sdk/client/auth.js'
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js'
import { z } from 'zod'
import { RegistrationRaceError, findRegistration } from '#app/oauth/store/registrations.server.ts'
import { createFlow, newState } from '#app/oauth/store/flows.server.ts'
import { noteDiscoveredIssuer, preregisteredClientMovedFrom } from '#app/oauth/issuer.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import {
  type OAuthServer,
  canIdentifyWithoutClient,
  clientMetadataUrl,
  discoveryTarget,
  preregisteredIdentity,
  redirectUri,
} from '#app/oauth/client-identity.server.ts'
import { type StoredChallenge, discoverOAuth, readStoredOAuthState, storedChallenge } from '#app/oauth/discovery.server.ts'
import { OAuthProblem, shortDescription, toOAuthProblem } from '#app/oauth/errors.server.ts'
import { isAcceptableEndpoint, oauthFetch } from '#app/oauth/http.server.ts'
import { logOAuthStep } from '#app/oauth/log.server.ts'
import type { OAuthDiscovery } from '#app/oauth/metadata.server.ts'
import { SwitchboardOAuthProvider } from '#app/oauth/provider.server.ts'

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
  // One read of what is stored about the server's authorization (cache, challenge, issuer).
  const stored = await readStoredOAuthState(server.id)
  const challenge = input.challenge ?? fromStored(storedChallenge(stored))
  const discovery = await discoverOAuth(discoveryTarget(server), { resourceMetadataUrl: challenge.resourceMetadata ?? null, ...(stored ? { stored } : {}) })
  const withChallenge = { ...input, challenge }
  // A server that moved its sign-in: the old issuer's connections must reconnect, and this
  // Connect goes to the new issuer only (registrations are looked up by issuer).
  await noteDiscoveredIssuer(server, discovery, stored ? { issuer: stored.issuer } : undefined)
  if (server.oauthClientId) {
    const moved = await preregisteredClientMovedFrom(server.id, discovery.issuer)
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
