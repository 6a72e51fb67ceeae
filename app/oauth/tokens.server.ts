// Access tokens for MCP requests: refreshed shortly before expiry, single-flight per connection
// inside a process (a promise map) and across instances (a lease row plus a compare-and-swap on
// the connection's generation). `invalid_grant` re-reads first (another instance may have rotated
// the tokens) and only then asks for a new sign-in; transient failures never delete tokens.
import { refreshAuthorization } from '@modelcontextprotocol/sdk/client/auth.js'
import type { OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js'
import { InvalidClientError, InvalidGrantError, OAuthError, UnauthorizedClientError } from '@modelcontextprotocol/sdk/server/auth/errors.js'
import { recordAudit } from '#app/models/audit.server.ts'
import { movedSignInReason, noteDiscoveredIssuer } from '#app/oauth/issuer.server.ts'
import {
  type ConnectionWithTokens,
  acquireRefreshLease,
  getConnectionWithTokens,
  markNeedsReauth,
  noteConnectionError,
  ownerKeyFor,
  releaseRefreshLease,
  renewRefreshLease,
  storeRefreshedTokens,
} from '#app/oauth/store/connections.server.ts'
import { discardRegistrationsOf } from '#app/oauth/store/registrations.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { logger } from '#app/utils/logger.server.ts'
import { discoverOAuth, forgetDiscovery } from '#app/oauth/discovery.server.ts'
import { oauthFetch } from '#app/oauth/http.server.ts'
import { sameIssuer } from '#app/oauth/metadata.server.ts'
import { type OAuthProblem, isTransient, toOAuthProblem } from '#app/oauth/errors.server.ts'
import { logOAuthStep } from '#app/oauth/log.server.ts'
import { applyClientAuthentication } from '#app/oauth/provider.server.ts'
import { type OAuthServer, discoveryTarget, storedIdentity } from '#app/oauth/client-identity.server.ts'

/**
 * Refresh when the access token has less than this left, or less than a third of its lifetime
 * when that is shorter: a 45 s token is used for 30 s, not refreshed on every use.
 */
export const REFRESH_SKEW_MS = 60_000
/** The share of a token's lifetime that may remain when it is refreshed (see `refreshMarginMs`). */
const REFRESH_LIFETIME_DIVISOR = 3
/**
 * How long one instance may hold the refresh lease. Renewed before every attempt; one attempt
 * can take three OAuth requests (protected-resource and authorization-server metadata, then the
 * token request), each bounded by OAUTH_TIMEOUT_MS (10 s by default → 40 s).
 */
function refreshLeaseMs(): number {
  return Math.max(40_000, 4 * getEnv().OAUTH_TIMEOUT_MS)
}
const WAIT_POLL_MS = 100
/** Transient refresh failures are retried after these pauses. */
const RETRY_DELAYS_MS = [250, 1000]
/** Storing refreshed tokens is retried after these pauses (a locked or failing-over database). */
const STORE_RETRY_DELAYS_MS = [250, 1000, 2000]

export type TokenFailureKind = 'oauth_not_connected' | 'reauth_required' | 'oauth_unavailable'

export type AccessToken = { connectionId: string; token: string; generation: number; scopes: string; issuer: string }

export type AccessTokenOutcome = { ok: true; value: AccessToken } | { ok: false; kind: TokenFailureKind; message: string }

const inFlight = new Map<string, Promise<AccessTokenOutcome>>()

export const refreshStats = { tokenRequests: 0 }

/**
 * How long before expiry a token is refreshed: min(60 s, a third of its lifetime). The lifetime
 * is the `expires_in` it was issued with: expiry minus when it was stored (refresh or sign-in).
 */
function refreshMarginMs(connection: Pick<ConnectionWithTokens, 'expiresAt' | 'refreshedAt' | 'connectedAt'>): number {
  if (!connection.expiresAt) return 0
  const issuedAt = (connection.refreshedAt ?? connection.connectedAt).getTime()
  const lifetimeMs = connection.expiresAt.getTime() - issuedAt
  return Math.max(0, Math.min(REFRESH_SKEW_MS, lifetimeMs / REFRESH_LIFETIME_DIVISOR))
}

function needsRefresh(connection: ConnectionWithTokens, now = Date.now()): boolean {
  if (!connection.accessToken) return true
  return connection.expiresAt !== null && connection.expiresAt.getTime() - now < refreshMarginMs(connection)
}

function usable(connection: ConnectionWithTokens): AccessTokenOutcome {
  return {
    ok: true,
    value: {
      connectionId: connection.id,
      token: connection.accessToken ?? '',
      generation: connection.generation,
      scopes: connection.scopes,
      issuer: connection.issuer,
    },
  }
}

function notConnected(server: OAuthServer): AccessTokenOutcome {
  return {
    ok: false,
    kind: 'oauth_not_connected',
    message: server.oauthShared
      ? `${server.name} uses a shared OAuth connection that nobody has connected yet. An admin can connect it on the server’s page.`
      : `${server.name} needs you to sign in with your own account (OAuth). Connect to use its tools.`,
  }
}

function reauth(server: OAuthServer, reason: string | null): AccessTokenOutcome {
  return {
    ok: false,
    kind: 'reauth_required',
    message: `Your sign-in to ${server.name} is no longer valid${reason ? ` (${reason})` : ''}. Reconnect to use its tools.`,
  }
}

/** Records a refresh that failed for the audit log (who: the connection's owner; none for a shared one). */
async function auditRefreshFailure(server: OAuthServer, connection: ConnectionWithTokens, event: 'oauth.refresh_failed' | 'oauth.reauth_needed', detail: string) {
  await recordAudit({
    workspaceId: server.workspaceId,
    actorId: connection.userId,
    server: { id: server.id, name: server.name },
    event,
    outcome: 'failure',
    issuer: connection.issuer,
    scopes: connection.scopes || null,
    detail,
  })
}

/** Marks the connection as needing a new sign-in (if still at its generation) and records it once. */
async function giveUp(server: OAuthServer, connection: ConnectionWithTokens, reason: string): Promise<void> {
  if (await markNeedsReauth(connection.id, connection.generation, reason)) {
    await auditRefreshFailure(server, connection, 'oauth.reauth_needed', reason)
  }
}

/**
 * A usable access token for `userId` on `server` (the shared one when the server is shared).
 * `rejected` is the generation whose token the MCP server just refused: refresh it even if it
 * looks unexpired. Never throws for OAuth reasons.
 */
export async function getAccessToken(server: OAuthServer, userId: string, options: { rejected?: number } = {}): Promise<AccessTokenOutcome> {
  const ownerKey = ownerKeyFor(userId, server.oauthShared)
  const connection = await getConnectionWithTokens(server.id, ownerKey)
  if (!connection) return notConnected(server)
  if (connection.configVersion !== server.configVersion) {
    return reauth(server, 'the server’s settings changed since you connected')
  }
  if (connection.status === 'needs_reauth') return reauth(server, connection.lastError)
  const forced = options.rejected !== undefined && options.rejected === connection.generation
  if (!forced && !needsRefresh(connection)) return usable(connection)
  if (!connection.refreshToken) {
    if (connection.accessToken && !forced && connection.expiresAt && connection.expiresAt.getTime() > Date.now()) return usable(connection)
    await giveUp(server, connection, 'the access token expired and there is no refresh token')
    return reauth(server, 'the access token expired')
  }
  // Single flight inside this process: every caller for this connection and generation waits on one refresh.
  const key = `${connection.id}:${connection.generation}`
  let pending = inFlight.get(key)
  if (!pending) {
    pending = refreshAcrossInstances(server, connection).finally(() => inFlight.delete(key))
    inFlight.set(key, pending)
  }
  return pending
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Refreshes once across every instance: whoever takes the lease asks the authorization server,
 * the others wait for the generation to move and use the result.
 */
async function refreshAcrossInstances(server: OAuthServer, start: ConnectionWithTokens): Promise<AccessTokenOutcome> {
  const deadline = Date.now() + refreshLeaseMs() + 5_000
  const ownerKey = start.ownerKey
  let current = start
  while (Date.now() < deadline) {
    if (await acquireRefreshLease(current.id, current.generation, refreshLeaseMs())) {
      return refreshHoldingLease(server, current)
    }
    await sleep(WAIT_POLL_MS)
    const latest = await getConnectionWithTokens(server.id, ownerKey)
    if (!latest) return notConnected(server)
    if (latest.generation !== current.generation) {
      if (latest.status === 'needs_reauth') return reauth(server, latest.lastError)
      if (!needsRefresh(latest)) return usable(latest)
      current = latest
    }
  }
  return { ok: false, kind: 'oauth_unavailable', message: 'Switchboard is still renewing your sign-in. Try again in a moment.' }
}


async function refreshHoldingLease(server: OAuthServer, connection: ConnectionWithTokens): Promise<AccessTokenOutcome> {
  const refreshToken = connection.refreshToken
  if (!refreshToken) return reauth(server, null)
  let lastProblem: OAuthProblem | null = null
  let tokens: OAuthTokens | null = null
  for (let attempt = 0; attempt <= RETRY_DELAYS_MS.length && !tokens; attempt++) {
    if (attempt > 0) {
      await sleep(RETRY_DELAYS_MS[attempt - 1] ?? 1000)
      // Still ours? Otherwise another instance may be refreshing with the same refresh token.
      if (!(await renewRefreshLease(connection.id, connection.generation, refreshLeaseMs()))) break
    }
    try {
      const discovery = await discoverOAuth(discoveryTarget(server), { force: attempt > 0 })
      let issuer = connection.issuer
      if (!sameIssuer(discovery.issuer, issuer)) {
        // The server moved its sign-in: this refresh token (and the client that goes with it)
        // must never reach the new authorization server. Every connection of the old one reconnects.
        // (An issuer recorded under the former comparison rule is renamed instead: same server.)
        const noted = await noteDiscoveredIssuer(server, discovery)
        if (noted.moved || !noted.renamed) {
          await giveUp(server, connection, movedSignInReason(discovery.issuer))
          return reauth(server, movedSignInReason(discovery.issuer))
        }
        issuer = discovery.issuer
      }
      const identity = await storedIdentity(server, issuer, discovery.metadata, connection.clientKind, connection.clientId).catch(() => null)
      if (!identity) {
        await giveUp(server, connection, 'Switchboard’s client registration changed')
        return reauth(server, 'Switchboard’s client registration changed')
      }
      refreshStats.tokenRequests++
      const startedAt = performance.now()
      const step = { serverId: server.id, issuer, endpoint: discovery.metadata.token_endpoint, startedAt }
      tokens = await refreshAuthorization(issuer, {
        metadata: discovery.metadata,
        clientInformation: { client_id: identity.clientId },
        refreshToken,
        ...(discovery.resource ? { resource: discovery.resource } : {}),
        addClientAuthentication: (headers, body) => applyClientAuthentication(identity, headers, body),
        fetchFn: oauthFetch(),
      }).then(
        (result) => {
          logOAuthStep('refresh', { ...step, outcome: 'ok' })
          return result
        },
        (error: unknown) => {
          // A refresh the authorization server ended (sign in again) is worth seeing without debug logging.
          const ended = error instanceof InvalidGrantError || error instanceof InvalidClientError || error instanceof UnauthorizedClientError
          const outcome = error instanceof OAuthError ? error.errorCode : toOAuthProblem(error, 'the token refresh').code
          logOAuthStep('refresh', { ...step, outcome, level: ended ? 'info' : 'debug' })
          throw error
        },
      )
    } catch (error) {
      if (error instanceof InvalidGrantError) {
        // Another instance may have rotated the refresh token a moment ago: re-read before giving up.
        const latest = await getConnectionWithTokens(server.id, connection.ownerKey)
        if (latest && latest.generation !== connection.generation) {
          return latest.status === 'needs_reauth' ? reauth(server, latest.lastError) : usable(latest)
        }
        await giveUp(server, connection, 'the authorization server no longer accepts the refresh token')
        logger.info({ serverId: server.id }, 'refresh token refused (invalid_grant); sign-in needed')
        return reauth(server, 'the authorization server no longer accepts it')
      }
      if ((error instanceof InvalidClientError || error instanceof UnauthorizedClientError) && connection.clientKind === 'dynamic') {
        await discardRegistrationsOf(server.id, connection.clientId)
        await giveUp(server, connection, 'the authorization server no longer accepts Switchboard’s registration')
        return reauth(server, 'Switchboard’s registration was not accepted any more')
      }
      lastProblem = toOAuthProblem(error, 'the token refresh')
      if (!isTransient(lastProblem)) {
        await giveUp(server, connection, lastProblem.message)
        return reauth(server, lastProblem.message)
      }
      if (lastProblem.code === 'discovery_failed') await forgetDiscovery(server.id)
      logger.warn({ serverId: server.id, problem: lastProblem.code, attempt }, 'token refresh failed; tokens kept')
    }
  }
  if (tokens) return storeAndUse(server, connection, tokens, refreshToken)
  await releaseRefreshLease(connection.id, connection.generation)
  await noteConnectionError(connection.id, lastProblem?.message ?? 'The token refresh failed.')
  await auditRefreshFailure(server, connection, 'oauth.refresh_failed', `${lastProblem?.code ?? 'unknown'}: tokens kept, will retry`)
  // The old token may still work for a little while.
  if (connection.accessToken && connection.expiresAt && connection.expiresAt.getTime() > Date.now()) return usable(connection)
  return {
    ok: false,
    kind: 'oauth_unavailable',
    message: `Could not renew your sign-in to ${server.name}: ${lastProblem?.message ?? 'the authorization server did not answer'} Your sign-in is kept; try again shortly.`,
  }
}

/**
 * Stores what the authorization server answered. The refresh token sent is spent from now on
 * (rotation), so a failure here is retried as a database failure and never re-sends it.
 */
async function storeAndUse(server: OAuthServer, connection: ConnectionWithTokens, tokens: OAuthTokens, refreshToken: string): Promise<AccessTokenOutcome> {
  const set = { accessToken: tokens.access_token, refreshToken: tokens.refresh_token ?? null, expiresIn: tokens.expires_in ?? null, scopes: tokens.scope ?? '' }
  const stored = await retryingStore(server, () => storeRefreshedTokens(connection.id, connection.generation, set, refreshToken))
  const latest = await getConnectionWithTokens(server.id, connection.ownerKey)
  if (!latest) return notConnected(server)
  if (!stored) logger.warn({ serverId: server.id }, 'refreshed tokens were not stored: the connection changed meanwhile')
  return latest.status === 'needs_reauth' ? reauth(server, latest.lastError) : usable(latest)
}

async function retryingStore<T>(server: OAuthServer, store: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await store()
    } catch (error) {
      if (attempt >= STORE_RETRY_DELAYS_MS.length) throw error
      logger.warn({ serverId: server.id, err: error, attempt }, 'storing refreshed tokens failed; retrying')
      await sleep(STORE_RETRY_DELAYS_MS[attempt] ?? 1000)
    }
  }
}
