import { createHash, randomBytes } from 'node:crypto'

// An OAuth client by hand against Switchboard's authorization server (no SDK): registration, PKCE, the authorization
// URL, and the token, refresh and revocation requests, each answering the raw Response so that tests can check
// refusals exactly. No app imports: Playwright tests use it too.

export type RegisteredAgent = { clientId: string; redirectUri: string }
export type Pkce = { verifier: string; challenge: string }
export type TokenSet = { access_token: string; refresh_token?: string; expires_in?: number; scope?: string; token_type: string }

/** A PKCE verifier and its S256 challenge. */
export function createPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

/** Registers a public client (DCR) at `<origin>/as/register`. */
export async function registerAgent(
  fetchFn: typeof fetch,
  origin: string,
  options: { redirectUri: string; clientName?: string },
): Promise<RegisteredAgent> {
  const response = await fetchFn(`${origin}/as/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      client_name: options.clientName ?? 'Hand-made agent',
      redirect_uris: [options.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }),
  })
  const body: unknown = await response.json()
  if (response.status !== 201 || typeof body !== 'object' || body === null || !('client_id' in body) || typeof body.client_id !== 'string') {
    throw new Error(`registration answered ${response.status}: ${JSON.stringify(body)}`)
  }
  return { clientId: body.client_id, redirectUri: options.redirectUri }
}

/** The authorization URL for `resource`, with PKCE S256, scope `mcp` (and `offline_access`) and a state. */
export function authorizationUrl(
  origin: string,
  agent: { clientId: string; redirectUri: string },
  pkce: Pkce,
  resource: string,
  state = randomBytes(8).toString('hex'),
): URL {
  const url = new URL('/as/authorize', origin)
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: agent.clientId,
    redirect_uri: agent.redirectUri,
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    scope: 'mcp offline_access',
    resource,
    state,
  }).toString()
  return url
}

async function form(fetchFn: typeof fetch, url: string, fields: Record<string, string>): Promise<Response> {
  return fetchFn(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) })
}

/** The code exchange at `<origin>/as/token`. */
export function exchangeCode(fetchFn: typeof fetch, origin: string, agent: RegisteredAgent, code: string, verifier: string): Promise<Response> {
  return form(fetchFn, `${origin}/as/token`, {
    grant_type: 'authorization_code',
    client_id: agent.clientId,
    redirect_uri: agent.redirectUri,
    code,
    code_verifier: verifier,
  })
}

/** A refresh at `<origin>/as/token`. */
export function refreshTokens(fetchFn: typeof fetch, origin: string, agent: RegisteredAgent, refreshToken: string): Promise<Response> {
  return form(fetchFn, `${origin}/as/token`, { grant_type: 'refresh_token', client_id: agent.clientId, refresh_token: refreshToken })
}

/** RFC 7009 revocation at `<origin>/as/revoke`. */
export function revokeToken(fetchFn: typeof fetch, origin: string, agent: RegisteredAgent, token: string, hint?: string): Promise<Response> {
  return form(fetchFn, `${origin}/as/revoke`, { client_id: agent.clientId, token, ...(hint ? { token_type_hint: hint } : {}) })
}

/** An MCP `initialize` (2025-11-25) at an endpoint, with a bearer token (or none) and extra headers. */
export function mcpInitialize(fetchFn: typeof fetch, endpoint: string, token: string | null, headers: Record<string, string> = {}): Promise<Response> {
  return fetchFn(endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'hand-made agent', version: '1.0.0' } },
    }),
  })
}
