// Cached discovery (ServerOAuthDiscovery.metadata, kept as long as Cache-Control allows) and the
// server's stored Bearer challenge. The discovery itself is in oauth/metadata.server.ts.
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js'
import { getDb } from '#app/utils/db.server.ts'
import { updateServerIfPresent, upsertPart } from '#app/models/server.server.ts'
import { type GuardedFetch } from '#app/utils/guarded-fetch.server.ts'
import { oauthFetch } from '#app/oauth/http.server.ts'
import { type DiscoveryTarget, type OAuthDiscovery, discoverFresh } from '#app/oauth/metadata.server.ts'

/** Cached discovery lives this long when the server says nothing (Cache-Control), and never longer than the cap. */
export const DEFAULT_DISCOVERY_TTL_MS = 15 * 60 * 1000
export const MAX_DISCOVERY_TTL_MS = 24 * 60 * 60 * 1000
/** Counts the smallest Cache-Control max-age seen; no-store or no-cache means "do not cache". */
type CachePolicy = { maxAgeSeconds: number | null; noStore: boolean }

function recordingFetch(base: GuardedFetch, policy: CachePolicy): FetchLike {
  return async (input, init) => {
    const response = await base(input, init)
    if (response.ok) {
      const header = response.headers.get('cache-control') ?? ''
      if (/\bno-(?:store|cache)\b/i.test(header)) policy.noStore = true
      const maxAge = /\bmax-age\s*=\s*(\d+)/i.exec(header)?.[1]
      if (maxAge !== undefined) policy.maxAgeSeconds = Math.min(policy.maxAgeSeconds ?? Infinity, Number(maxAge))
    }
    return response
  }
}

function cacheTtlMs(policy: CachePolicy): number {
  if (policy.noStore) return 0
  if (policy.maxAgeSeconds === null) return DEFAULT_DISCOVERY_TTL_MS
  return Math.min(policy.maxAgeSeconds * 1000, MAX_DISCOVERY_TTL_MS)
}

type CachedDiscovery = OAuthDiscovery & { url: string; challengeResourceMetadataUrl: string | null; exceptions: string }

/** The latest Bearer challenge a server sent (at the probe, or on a 401 while in use). */
export type StoredChallenge = { resourceMetadataUrl: string | null; scope: string | null }

/**
 * Discovery for `server`, from the cache when it is fresh and was made for the same challenge
 * URL and exceptions. The challenge's `resource_metadata` is the server's stored one unless
 * `resourceMetadataUrl` is given. Throws OAuthProblem.
 */
export async function discoverOAuth(
  server: DiscoveryTarget,
  options: { resourceMetadataUrl?: string | null; force?: boolean; fetch?: GuardedFetch; stored?: StoredOAuthState } = {},
): Promise<OAuthDiscovery> {
  const row = options.stored ?? (await readStoredOAuthState(server.id))
  const challengeUrl = options.resourceMetadataUrl !== undefined ? options.resourceMetadataUrl : (row?.challengeMetadataUrl ?? null)
  const exceptionsKey = [...server.exceptions].sort().join(',')
  if (!options.force && row) {
    const cached = cachedDiscovery(row)
    // A new challenge URL is never hidden by a discovery made without it (MCP 2025-11-25: it comes first).
    if (cached && cached.url === server.url && cached.challengeResourceMetadataUrl === challengeUrl && cached.exceptions === exceptionsKey) {
      return cached
    }
  }
  const policy: CachePolicy = { maxAgeSeconds: null, noStore: false }
  const discovery = await discoverFresh(server, challengeUrl, recordingFetch(options.fetch ?? oauthFetch(), policy))
  const ttl = cacheTtlMs(policy)
  const value: CachedDiscovery = { ...discovery, url: server.url, challengeResourceMetadataUrl: challengeUrl, exceptions: exceptionsKey }
  // NOTE: ServerOAuthDiscovery.issuer is not written here: noteDiscoveredIssuer (oauth/issuer.server.ts)
  // compares it with this discovery's issuer to notice a server that moved its sign-in.
  const cache = ttl > 0 ? { metadata: JSON.stringify(value), expiresAt: new Date(Date.now() + ttl) } : { metadata: null, expiresAt: null }
  // Stored only while the server still has the URL it was made for.
  await updateServerIfPresent({ id: server.id, url: server.url }, { discovery: upsertPart(cache) })
  return discovery
}

/**
 * What Switchboard keeps about a server's authorization (ServerOAuthDiscovery: cached discovery,
 * latest challenge, recorded issuer), read in one query: Connect reads it once and passes it down.
 */
export type StoredOAuthState = {
  metadata: string | null
  expiresAt: Date | null
  challengeMetadataUrl: string | null
  challengeScope: string | null
  issuer: string | null
}

/** The server's stored OAuth state; null when nothing is stored (or the server is gone). */
export function readStoredOAuthState(serverId: string): Promise<StoredOAuthState | null> {
  return getDb().serverOAuthDiscovery.findUnique({
    where: { serverId },
    select: { metadata: true, expiresAt: true, challengeMetadataUrl: true, challengeScope: true, issuer: true },
  })
}

function cachedDiscovery(row: { metadata: string | null; expiresAt: Date | null }): CachedDiscovery | null {
  if (!row.metadata || !row.expiresAt || row.expiresAt.getTime() <= Date.now()) return null
  try {
    return JSON.parse(row.metadata) as CachedDiscovery
  } catch {
    return null
  }
}

/** The server's latest Bearer challenge, as stored (nothing known: both null). */
export function storedChallenge(state: StoredOAuthState | null): StoredChallenge {
  return { resourceMetadataUrl: state?.challengeMetadataUrl ?? null, scope: state?.challengeScope ?? null }
}

/** Drops a server's cached discovery (its issuer or endpoints may have changed). */
export async function forgetDiscovery(serverId: string): Promise<void> {
  await getDb().serverOAuthDiscovery.updateMany({ where: { serverId }, data: { metadata: null, expiresAt: null } })
}
