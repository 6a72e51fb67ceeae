import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { setTimeout as delay } from 'node:timers/promises'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import {
  auth,
  discoverAuthorizationServerMetadata,
  exchangeAuthorization,
  refreshAuthorization,
  startAuthorization,
  type OAuthClientProvider,
} from '@modelcontextprotocol/sdk/client/auth.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import {
  InvalidClientError,
  InvalidGrantError,
  InvalidTargetError,
} from '@modelcontextprotocol/sdk/server/auth/errors.js'
import {
  type OAuthClientInformationMixed,
  type OAuthClientMetadata,
  type OAuthMetadata,
  type OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js'
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js'
import { decodeJwt, decodeProtectedHeader, SignJWT, generateKeyPair } from 'jose'
import { expect, onTestFinished, test } from 'vitest'
import { startOidcMcpServer, type OidcMcpServerOptions } from '#tests/servers/oidc-provider-server.ts'
import { closeServer, listenOnLoopback } from '#tests/servers/peer-http.ts'
import { startPreregisteredServer, type PreregisteredServerOptions } from '#tests/servers/preregistered-server.ts'
import { startSdkAuthServer, type SdkAuthServer, type SdkAuthServerOptions } from '#tests/servers/sdk-auth-server.ts'

// The OAuth test peers (tests/servers/), driven by the SDK's own client-side auth() over real HTTP
// on 127.0.0.1. Each test would fail if its peer did not enforce the rule it names.

/** Never contacted: the peers redirect here and the tests read the Location header. */
const REDIRECT_URL = 'http://127.0.0.1:9/oauth/callback'

class TestOAuthClient implements OAuthClientProvider {
  readonly redirectUrl = REDIRECT_URL
  readonly clientMetadata: OAuthClientMetadata
  readonly clientMetadataUrl: string | undefined
  authorizationUrl: URL | undefined
  lastState: string | undefined
  #clientInformation: OAuthClientInformationMixed | undefined
  #tokens: OAuthTokens | undefined
  #codeVerifier: string | undefined

  constructor(
    options: {
      tokenEndpointAuthMethod?: string
      preregistered?: OAuthClientInformationMixed
      clientMetadataUrl?: string
    } = {},
  ) {
    this.clientMetadata = {
      client_name: 'Switchboard peer test',
      redirect_uris: [REDIRECT_URL],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: options.tokenEndpointAuthMethod ?? 'none',
    }
    this.#clientInformation = options.preregistered
    this.clientMetadataUrl = options.clientMetadataUrl
  }

  state() {
    this.lastState = randomBytes(16).toString('base64url')
    return this.lastState
  }
  clientInformation() {
    return this.#clientInformation
  }
  saveClientInformation(clientInformation: OAuthClientInformationMixed) {
    this.#clientInformation = clientInformation
  }
  tokens() {
    return this.#tokens
  }
  saveTokens(tokens: OAuthTokens) {
    this.#tokens = tokens
  }
  redirectToAuthorization(authorizationUrl: URL) {
    this.authorizationUrl = authorizationUrl
  }
  saveCodeVerifier(codeVerifier: string) {
    this.#codeVerifier = codeVerifier
  }
  codeVerifier() {
    if (this.#codeVerifier === undefined) throw new Error('no code verifier saved')
    return this.#codeVerifier
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery') {
    if (scope === 'all' || scope === 'client') this.#clientInformation = undefined
    if (scope === 'all' || scope === 'tokens') this.#tokens = undefined
    if (scope === 'all' || scope === 'verifier') this.#codeVerifier = undefined
  }

  requireTokens(): OAuthTokens {
    if (!this.#tokens) throw new Error('no tokens saved')
    return this.#tokens
  }
  requireClientInformation(): OAuthClientInformationMixed {
    if (!this.#clientInformation) throw new Error('no client information saved')
    return this.#clientInformation
  }
}

type Approve = (authorizationUrl: string) => Promise<string>

/** The SDK-based peers approve at once: /authorize answers 302 to the redirect URI. */
async function followAutoApproval(authorizationUrl: string): Promise<string> {
  const response = await fetch(authorizationUrl, { redirect: 'manual' })
  expect(response.status).toBe(302)
  const location = response.headers.get('location')
  if (!location) throw new Error('no Location on the authorization response')
  return location
}

/** auth() → authorization URL → approval → auth() with the code. Returns the redirect the client got. */
async function authorizeClient(serverUrl: string, client: TestOAuthClient, approve: Approve, scope?: string) {
  expect(await auth(client, { serverUrl, scope })).toBe('REDIRECT')
  const authorizationUrl = client.authorizationUrl
  if (!authorizationUrl) throw new Error('auth() did not redirect')
  expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256')
  const redirect = new URL(await approve(authorizationUrl.href))
  expect(redirect.searchParams.get('state')).toBe(client.lastState)
  const code = redirect.searchParams.get('code')
  if (!code) throw new Error(`no code in the redirect: ${redirect.search}`)
  expect(await auth(client, { serverUrl, authorizationCode: code })).toBe('AUTHORIZED')
  return { authorizationUrl, redirect }
}

async function listToolNames(mcpUrl: string, client: TestOAuthClient): Promise<string[]> {
  const mcp = new Client({ name: 'oauth-peers-test', version: '1.0.0' })
  await mcp.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: client }))
  onTestFinished(() => mcp.close())
  return (await mcp.listTools()).tools.map((tool) => tool.name)
}

const mcpHeaders = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }

function jsonRpc(method: string, params: Record<string, unknown>, id = 1) {
  return JSON.stringify({ jsonrpc: '2.0', id, method, params })
}

const initializeBody = jsonRpc('initialize', {
  protocolVersion: LATEST_PROTOCOL_VERSION,
  capabilities: {},
  clientInfo: { name: 'raw', version: '1' },
})

/** A raw `initialize` POST, so the status and challenge can be read (the SDK transport would act on them). */
async function postMcp(mcpUrl: string, token: string | undefined, body = initializeBody, sessionId?: string) {
  const headers: Record<string, string> = { ...mcpHeaders }
  if (token !== undefined) headers.Authorization = `Bearer ${token}`
  if (sessionId !== undefined) headers['Mcp-Session-Id'] = sessionId
  const response = await fetch(mcpUrl, { method: 'POST', headers, body })
  const text = await response.text()
  return { status: response.status, challenge: response.headers.get('www-authenticate'), response, text }
}

/** The auth-params of a `Bearer` challenge (RFC 6750 §3). */
function challengeParams(header: string | null): Record<string, string> {
  expect(header).toMatch(/^Bearer /)
  const params: Record<string, string> = {}
  for (const [, name, value] of (header ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
    if (name !== undefined && value !== undefined) params[name] = value.replace(/\\(.)/g, '$1')
  }
  return params
}

/** RFC 7009 revocation, authenticating the way the client registered. */
async function revokeToken(
  metadata: OAuthMetadata,
  clientInformation: OAuthClientInformationMixed,
  token: string,
  tokenTypeHint: 'access_token' | 'refresh_token',
) {
  if (!metadata.revocation_endpoint) throw new Error('no revocation endpoint advertised')
  const body = new URLSearchParams({ token, token_type_hint: tokenTypeHint })
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' }
  const method =
    'token_endpoint_auth_method' in clientInformation ? clientInformation.token_endpoint_auth_method : 'none'
  if (method === 'client_secret_basic' && clientInformation.client_secret) {
    headers.Authorization = `Basic ${btoa(`${clientInformation.client_id}:${clientInformation.client_secret}`)}`
  } else {
    body.set('client_id', clientInformation.client_id)
    if (clientInformation.client_secret) body.set('client_secret', clientInformation.client_secret)
  }
  const response = await fetch(metadata.revocation_endpoint, { method: 'POST', headers, body })
  return { status: response.status, body: await response.text() }
}

/** A refresh with an explicit refresh token, as the SDK client sends it. */
function refreshWith(
  issuer: string,
  metadata: OAuthMetadata,
  client: TestOAuthClient,
  refreshToken: string,
  mcpUrl: string,
) {
  return refreshAuthorization(issuer, {
    metadata,
    clientInformation: client.requireClientInformation(),
    refreshToken,
    resource: new URL(mcpUrl),
  })
}

async function metadataOf(issuer: string): Promise<OAuthMetadata> {
  const metadata = await discoverAuthorizationServerMetadata(issuer)
  if (!metadata) throw new Error(`no authorization server metadata for ${issuer}`)
  return metadata
}

async function sdkPeer(options: SdkAuthServerOptions = {}) {
  const peer = await startSdkAuthServer(options)
  onTestFinished(() => peer.close())
  return peer
}

async function oidcPeer(options: OidcMcpServerOptions = {}) {
  const peer = await startOidcMcpServer(options)
  onTestFinished(() => peer.close())
  return peer
}

const preregisteredClient = { clientId: 'switchboard-test', clientSecret: 'a-long-test-secret-0123456789' }

async function preregisteredPeer(options: Partial<PreregisteredServerOptions> = {}) {
  const peer = await startPreregisteredServer({ ...preregisteredClient, redirectUris: [REDIRECT_URL], ...options })
  onTestFinished(() => peer.close())
  return peer
}

function preregisteredTestClient() {
  return new TestOAuthClient({
    preregistered: {
      client_id: preregisteredClient.clientId,
      client_secret: preregisteredClient.clientSecret,
      redirect_uris: [REDIRECT_URL],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  })
}

type HostedResponse = { status?: number; contentType?: string; headers?: Record<string, string>; body: string }
/** What the document host answers for one path: a response, or no answer at all. */
type HostedDocument = HostedResponse | 'hang'

/**
 * Hosts Client ID Metadata Documents on 127.0.0.1. `serve(path, document)` returns the document's URL,
 * which is also the client_id; `document` gets that URL so that the body can name it.
 */
async function documentHost() {
  const routes = new Map<string, HostedDocument>()
  const requests: string[] = []
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '')
    const hosted = routes.get(req.url ?? '')
    if (hosted === 'hang') return
    if (!hosted) return void res.writeHead(404).end()
    res
      .writeHead(hosted.status ?? 200, { 'Content-Type': hosted.contentType ?? 'application/json', ...hosted.headers })
      .end(hosted.body)
  })
  const origin = await listenOnLoopback(server)
  onTestFinished(() => closeServer(server))
  return {
    origin,
    requests,
    serve(path: string, document: (url: string) => HostedDocument): string {
      const url = `${origin}${path}`
      routes.set(path, document(url))
      return url
    },
  }
}

/** A public client's metadata document, as a client would host it at `clientId`. */
function clientDocument(clientId: string, overrides: Record<string, unknown> = {}): HostedResponse {
  return {
    body: JSON.stringify({
      client_id: clientId,
      client_name: 'Switchboard (metadata document)',
      redirect_uris: [REDIRECT_URL],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...overrides,
    }),
  }
}

/** Starts an authorization with a URL client_id (the SDK's auth() only takes https ones) and sends it unfollowed. */
async function authorizeAs(peer: SdkAuthServer, clientId: string) {
  const { authorizationUrl, codeVerifier } = await startAuthorization(peer.issuer, {
    metadata: peer.metadata,
    clientInformation: { client_id: clientId },
    redirectUrl: REDIRECT_URL,
    state: 'document-state',
    resource: new URL(peer.mcpUrl),
  })
  const response = await fetch(authorizationUrl, { redirect: 'manual' })
  return { response, codeVerifier }
}

/** A refusal before any redirect: 400 with an OAuth error body and no Location. */
async function refusal(response: Response) {
  expect(response.status).toBe(400)
  expect(response.headers.get('location')).toBeNull()
  const body: unknown = await response.json()
  return body
}

// ---------------------------------------------------------------------------------------------
// Peer 1: SDK authorization server

test('sdk peer: discovery, registration, auto-approved authorization and code exchange give a token that lists the tools', async () => {
  const peer = await sdkPeer()
  const client = new TestOAuthClient({ tokenEndpointAuthMethod: 'client_secret_post' })

  const prm = await (await fetch(peer.resourceMetadataUrl)).json()
  expect(prm).toMatchObject({
    resource: peer.mcpUrl,
    authorization_servers: [peer.issuer],
    scopes_supported: ['mcp:tools'],
  })

  const { authorizationUrl } = await authorizeClient(peer.mcpUrl, client, followAutoApproval)
  expect(authorizationUrl.searchParams.get('resource')).toBe(peer.mcpUrl)
  expect(authorizationUrl.searchParams.get('scope')).toBe('mcp:tools')
  expect(client.requireClientInformation().client_secret).toEqual(expect.any(String))
  const tokens = client.requireTokens()
  expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'mcp:tools' })
  expect(tokens.refresh_token).toEqual(expect.any(String))

  expect(await listToolNames(peer.mcpUrl, client)).toContain('echo')
  expect(peer.stats).toMatchObject({ registrations: 1, authorizations: 1, tokenRequests: { authorization_code: 1 } })
  expect(peer.stats.validAccessTokens).toEqual(new Set([tokens.access_token]))
  expect(peer.stats.validRefreshTokens).toEqual(new Set([tokens.refresh_token]))
  expect(peer.stats.mcp.initializeCount).toBe(1)
})

test('sdk peer: a refresh rotates the refresh token; replaying the old one is refused and revokes the grant', async () => {
  const peer = await sdkPeer()
  const client = new TestOAuthClient()
  await authorizeClient(peer.mcpUrl, client, followAutoApproval)
  const first = client.requireTokens()

  expect(await auth(client, { serverUrl: peer.mcpUrl })).toBe('AUTHORIZED')
  const second = client.requireTokens()
  expect(second.refresh_token).toEqual(expect.any(String))
  expect(second.refresh_token).not.toBe(first.refresh_token)
  expect(second.access_token).not.toBe(first.access_token)
  expect(peer.stats.tokenRequests.refresh_token).toBe(1)
  expect(await listToolNames(peer.mcpUrl, client)).toContain('echo')

  const replay = refreshWith(peer.issuer, peer.metadata, client, first.refresh_token ?? '', peer.mcpUrl)
  await expect(replay).rejects.toBeInstanceOf(InvalidGrantError)
  expect(peer.stats.refreshTokenReuse).toBe(1)
  // Reuse detection: the rotated-to tokens die with the grant.
  expect((await postMcp(peer.mcpUrl, second.access_token)).status).toBe(401)
  const afterReplay = refreshWith(peer.issuer, peer.metadata, client, second.refresh_token ?? '', peer.mcpUrl)
  await expect(afterReplay).rejects.toBeInstanceOf(InvalidGrantError)
})

test('sdk peer: a revoked access token gets 401, and a revoked refresh token can no longer be exchanged (RFC 7009)', async () => {
  const peer = await sdkPeer()
  const client = new TestOAuthClient({ tokenEndpointAuthMethod: 'client_secret_post' })
  await authorizeClient(peer.mcpUrl, client, followAutoApproval)
  const tokens = client.requireTokens()
  const clientInformation = client.requireClientInformation()
  expect((await postMcp(peer.mcpUrl, tokens.access_token)).status).toBe(200)

  expect(await revokeToken(peer.metadata, clientInformation, tokens.access_token, 'access_token')).toMatchObject({
    status: 200,
  })
  const refused = await postMcp(peer.mcpUrl, tokens.access_token)
  expect(refused.status).toBe(401)
  expect(challengeParams(refused.challenge)).toMatchObject({ error: 'invalid_token' })

  const refreshToken = tokens.refresh_token ?? ''
  expect(await revokeToken(peer.metadata, clientInformation, refreshToken, 'refresh_token')).toMatchObject({
    status: 200,
  })
  await expect(refreshWith(peer.issuer, peer.metadata, client, refreshToken, peer.mcpUrl)).rejects.toBeInstanceOf(
    InvalidGrantError,
  )
  // RFC 7009 §2.2: revoking a token the server no longer knows still answers 200.
  expect(await revokeToken(peer.metadata, clientInformation, refreshToken, 'refresh_token')).toMatchObject({
    status: 200,
  })
  expect(peer.stats.revocations).toEqual({ accessToken: 1, refreshToken: 1, unknown: 1, refused: 0 })
  expect(peer.stats.validRefreshTokens.size).toBe(0)
})

test('sdk peer: a client cannot revoke a token issued to another client', async () => {
  const peer = await sdkPeer()
  const owner = new TestOAuthClient()
  const other = new TestOAuthClient()
  await authorizeClient(peer.mcpUrl, owner, followAutoApproval)
  await authorizeClient(peer.mcpUrl, other, followAutoApproval)
  const ownerToken = owner.requireTokens().access_token

  const attempt = await revokeToken(peer.metadata, other.requireClientInformation(), ownerToken, 'access_token')
  expect(attempt.status).toBe(400)
  expect(JSON.parse(attempt.body)).toMatchObject({ error: 'invalid_request' })
  expect((await postMcp(peer.mcpUrl, ownerToken)).status).toBe(200)
  expect(peer.stats.revocations.refused).toBe(1)
})

test('sdk peer: no token or an unknown token gets 401 with a Bearer challenge that points at the resource metadata', async () => {
  const peer = await sdkPeer()

  const missing = await postMcp(peer.mcpUrl, undefined)
  expect(missing.status).toBe(401)
  expect(challengeParams(missing.challenge)).toMatchObject({
    error: 'invalid_token',
    resource_metadata: peer.resourceMetadataUrl,
  })
  const unknown = await postMcp(peer.mcpUrl, 'not-a-token-this-server-issued')
  expect(unknown.status).toBe(401)
  expect(challengeParams(unknown.challenge)).toMatchObject({ error: 'invalid_token' })
  expect(peer.stats.mcp).toMatchObject({ requests: 2, unauthorized: 2, initializeCount: 0 })
})

test('sdk peer: an access token past its lifetime gets 401 invalid_token', async () => {
  const peer = await sdkPeer({ accessTokenTtlSeconds: 1 })
  const client = new TestOAuthClient()
  await authorizeClient(peer.mcpUrl, client, followAutoApproval)
  const { access_token: accessToken, expires_in: expiresIn } = client.requireTokens()
  expect(expiresIn).toBe(1)
  expect((await postMcp(peer.mcpUrl, accessToken)).status).toBe(200)

  await delay(1100)
  const expired = await postMcp(peer.mcpUrl, accessToken)
  expect(expired.status).toBe(401)
  expect(challengeParams(expired.challenge)).toMatchObject({
    error: 'invalid_token',
    error_description: expect.stringMatching(/expired/),
  })
  expect(peer.stats.validAccessTokens.size).toBe(0)
})

test('sdk peer: a tool with its own scope answers 403 insufficient_scope until the client re-authorizes with it', async () => {
  const peer = await sdkPeer({ toolScopes: { create_ticket: 'tickets:write' } })
  const client = new TestOAuthClient()
  await authorizeClient(peer.mcpUrl, client, followAutoApproval)
  const narrow = client.requireTokens()
  expect(narrow.scope).toBe('mcp:tools')
  expect(peer.metadata.scopes_supported).toEqual(['mcp:tools', 'tickets:write'])

  const initialized = await postMcp(peer.mcpUrl, narrow.access_token)
  const sessionId = initialized.response.headers.get('mcp-session-id') ?? undefined
  const createTicket = jsonRpc('tools/call', { name: 'create_ticket', arguments: { title: 'Step up', labels: [] } }, 2)
  const echo = jsonRpc('tools/call', { name: 'echo', arguments: { message: 'hi' } }, 3)
  expect((await postMcp(peer.mcpUrl, narrow.access_token, echo, sessionId)).status).toBe(200)
  const forbidden = await postMcp(peer.mcpUrl, narrow.access_token, createTicket, sessionId)
  expect(forbidden.status).toBe(403)
  const challenge = challengeParams(forbidden.challenge)
  expect(challenge).toMatchObject({
    error: 'insufficient_scope',
    scope: 'mcp:tools tickets:write',
    resource_metadata: peer.resourceMetadataUrl,
  })

  // Step up: a new authorization with the challenge's scope (a refresh cannot widen the scope).
  client.invalidateCredentials('tokens')
  await authorizeClient(peer.mcpUrl, client, followAutoApproval, challenge.scope)
  const wide = client.requireTokens()
  expect(wide.scope).toBe('mcp:tools tickets:write')
  const created = await postMcp(peer.mcpUrl, wide.access_token, createTicket, sessionId)
  expect(created.status).toBe(200)
  expect(created.text).toContain('Created ticket DEMO-1')
  expect(peer.stats.mcp.insufficientScope).toBe(1)
})

test('sdk peer: revokeRefreshTokens() makes the next refresh fail, and revokeAllTokens() cuts off access tokens', async () => {
  const peer = await sdkPeer()
  const client = new TestOAuthClient()
  await authorizeClient(peer.mcpUrl, client, followAutoApproval)
  const tokens = client.requireTokens()

  peer.revokeRefreshTokens()
  expect(peer.stats.validRefreshTokens.size).toBe(0)
  expect((await postMcp(peer.mcpUrl, tokens.access_token)).status).toBe(200)
  // The SDK drops the tokens on invalid_grant and starts a new authorization.
  expect(await auth(client, { serverUrl: peer.mcpUrl })).toBe('REDIRECT')
  expect(peer.stats.tokenErrors).toEqual({ invalid_grant: 1 })

  peer.revokeAllTokens()
  expect((await postMcp(peer.mcpUrl, tokens.access_token)).status).toBe(401)
  expect(peer.stats.validAccessTokens.size).toBe(0)
})

test('sdk peer: an authorization code works once; a second exchange is refused and revokes what the first issued', async () => {
  const peer = await sdkPeer()
  const client = new TestOAuthClient()
  expect(await auth(client, { serverUrl: peer.mcpUrl })).toBe('REDIRECT')
  const redirect = new URL(await followAutoApproval(client.authorizationUrl?.href ?? ''))
  const exchange = () =>
    exchangeAuthorization(peer.issuer, {
      metadata: peer.metadata,
      clientInformation: client.requireClientInformation(),
      authorizationCode: redirect.searchParams.get('code') ?? '',
      codeVerifier: client.codeVerifier(),
      redirectUri: REDIRECT_URL,
      resource: new URL(peer.mcpUrl),
    })
  const tokens = await exchange()
  expect((await postMcp(peer.mcpUrl, tokens.access_token)).status).toBe(200)

  await expect(exchange()).rejects.toBeInstanceOf(InvalidGrantError)
  expect((await postMcp(peer.mcpUrl, tokens.access_token)).status).toBe(401)
  expect(peer.stats.validRefreshTokens.size).toBe(0)
})

test('sdk peer: an authorization request for another resource is refused with invalid_target', async () => {
  const peer = await sdkPeer()
  const client = new TestOAuthClient()
  expect(await auth(client, { serverUrl: peer.mcpUrl })).toBe('REDIRECT')
  const elsewhere = new URL(client.authorizationUrl?.href ?? '')
  elsewhere.searchParams.set('resource', 'http://127.0.0.1:9/other-mcp')

  const redirect = new URL(await followAutoApproval(elsewhere.href))
  expect(redirect.searchParams.get('error')).toBe('invalid_target')
  expect(redirect.searchParams.get('state')).toBe(client.lastState)
  expect(redirect.searchParams.has('code')).toBe(false)
})

test("sdk peer: an MCP session answers only the client that opened it; another client's token gets 404", async () => {
  const peer = await sdkPeer()
  const owner = new TestOAuthClient()
  const other = new TestOAuthClient()
  await authorizeClient(peer.mcpUrl, owner, followAutoApproval)
  await authorizeClient(peer.mcpUrl, other, followAutoApproval)
  const opened = await postMcp(peer.mcpUrl, owner.requireTokens().access_token)
  const sessionId = opened.response.headers.get('mcp-session-id') ?? undefined
  expect(sessionId).toEqual(expect.any(String))
  const listTools = jsonRpc('tools/list', {}, 2)

  expect((await postMcp(peer.mcpUrl, owner.requireTokens().access_token, listTools, sessionId)).status).toBe(200)
  expect((await postMcp(peer.mcpUrl, other.requireTokens().access_token, listTools, sessionId)).status).toBe(404)
})

test('sdk peer with issueRefreshTokens false issues access tokens only', async () => {
  const peer = await sdkPeer({ issueRefreshTokens: false })
  const client = new TestOAuthClient()
  await authorizeClient(peer.mcpUrl, client, followAutoApproval)
  expect(client.requireTokens().refresh_token).toBeUndefined()
  expect(peer.stats.validRefreshTokens.size).toBe(0)
})

// ---------------------------------------------------------------------------------------------
// Peer 1 options: metadata variants, Entra-like resource handling, Client ID Metadata Documents

test("sdk peer: stats count a client's first connect: metadata, registration, authorization and token requests", async () => {
  const peer = await sdkPeer()
  const client = new TestOAuthClient()
  expect(await auth(client, { serverUrl: peer.mcpUrl })).toBe('REDIRECT')
  expect(peer.stats).toMatchObject({
    metadataRequests: { protectedResource: 1, authorizationServer: 1 },
    registrationRequests: 1,
    registrations: 1,
    authorizationRequests: 0,
    tokenRequests: {},
  })

  const redirect = new URL(await followAutoApproval(client.authorizationUrl?.href ?? ''))
  const code = redirect.searchParams.get('code') ?? ''
  expect(await auth(client, { serverUrl: peer.mcpUrl, authorizationCode: code })).toBe('AUTHORIZED')
  // This test client keeps no discovery state, so its second auth() discovers again.
  expect(peer.stats).toMatchObject({
    metadataRequests: { protectedResource: 2, authorizationServer: 2 },
    registrationRequests: 1,
    authorizationRequests: 1,
    authorizations: 1,
    tokenRequests: { authorization_code: 1 },
  })
})

test('sdk peer with protectedResourceMetadata false behaves like a 2025-03-26 server, and auth() still connects', async () => {
  const peer = await sdkPeer({ protectedResourceMetadata: false, toolScopes: { create_ticket: 'tickets:write' } })
  expect((await fetch(peer.resourceMetadataUrl)).status).toBe(404)
  expect((await fetch(new URL('/.well-known/oauth-protected-resource', peer.issuer))).status).toBe(404)
  expect((await fetch(new URL('/.well-known/oauth-authorization-server', peer.issuer))).status).toBe(200)
  expect(peer.stats.metadataRequests).toEqual({ protectedResource: 2, authorizationServer: 1 })
  const unauthorized = await postMcp(peer.mcpUrl, undefined)
  expect(unauthorized.status).toBe(401)
  expect(challengeParams(unauthorized.challenge)).toEqual({
    error: 'invalid_token',
    error_description: 'Missing Authorization header',
  })

  const client = new TestOAuthClient()
  const { authorizationUrl } = await authorizeClient(peer.mcpUrl, client, followAutoApproval)
  // Without resource metadata the SDK client has no resource indicator to send.
  expect(authorizationUrl.searchParams.has('resource')).toBe(false)
  expect(await listToolNames(peer.mcpUrl, client)).toContain('echo')
  // Each of the two auth() calls tried the path-specific URL, then the root one.
  expect(peer.stats.metadataRequests).toEqual({ protectedResource: 6, authorizationServer: 3 })

  const token = client.requireTokens().access_token
  const sessionId = (await postMcp(peer.mcpUrl, token)).response.headers.get('mcp-session-id') ?? undefined
  const createTicket = jsonRpc('tools/call', { name: 'create_ticket', arguments: { title: 'x', labels: [] } }, 2)
  const forbidden = await postMcp(peer.mcpUrl, token, createTicket, sessionId)
  expect(forbidden.status).toBe(403)
  const challenge = challengeParams(forbidden.challenge)
  expect(challenge).toMatchObject({ error: 'insufficient_scope', scope: 'mcp:tools tickets:write' })
  expect(challenge).not.toHaveProperty('resource_metadata')
})

test('sdk peer without any metadata answers 404 on every well-known URL, and auth() falls back to /register, /authorize and /token', async () => {
  const peer = await sdkPeer({ protectedResourceMetadata: false, authorizationServerMetadata: false })
  for (const path of [
    '/.well-known/oauth-protected-resource/mcp',
    '/.well-known/oauth-protected-resource',
    '/.well-known/oauth-authorization-server',
    '/.well-known/openid-configuration',
  ]) {
    expect((await fetch(new URL(path, peer.issuer))).status, path).toBe(404)
  }
  expect(peer.stats.metadataRequests).toEqual({ protectedResource: 2, authorizationServer: 2 })

  const client = new TestOAuthClient()
  const { authorizationUrl } = await authorizeClient(peer.mcpUrl, client, followAutoApproval)
  expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(new URL('/authorize', peer.issuer).href)
  expect(await listToolNames(peer.mcpUrl, client)).toContain('echo')
  expect(peer.stats).toMatchObject({
    metadataRequests: { protectedResource: 6, authorizationServer: 6 },
    registrations: 1,
    authorizations: 1,
    tokenRequests: { authorization_code: 1 },
  })
})

test('sdk peer with advertiseS256 false leaves code_challenge_methods_supported out and still requires PKCE', async () => {
  expect((await sdkPeer()).metadata.code_challenge_methods_supported).toEqual(['S256'])
  const peer = await sdkPeer({ advertiseS256: false })
  const metadata = await metadataOf(peer.issuer)
  expect(metadata).not.toHaveProperty('code_challenge_methods_supported')

  // NOTE: MCP 2025-11-25 says a client must refuse to go on without code_challenge_methods_supported;
  // the SDK 1.32 client goes on regardless, so refusing is up to Switchboard.
  const client = new TestOAuthClient()
  expect(await auth(client, { serverUrl: peer.mcpUrl })).toBe('REDIRECT')
  const withoutPkce = new URL(client.authorizationUrl?.href ?? '')
  withoutPkce.searchParams.delete('code_challenge')
  withoutPkce.searchParams.delete('code_challenge_method')
  const redirect = new URL(await followAutoApproval(withoutPkce.href))
  expect(redirect.searchParams.get('error')).toBe('invalid_request')
  // NOTE: the SDK's authorization handler reads state only from a request that passes its schema, so
  // this error comes back without state (RFC 6749 §4.1.2.1 wants it echoed).
  expect(redirect.searchParams.has('state')).toBe(false)
  expect(peer.stats.authorizations).toBe(0)
})

test('sdk peer with rejectResourceParameter refuses resource with invalid_target at /authorize and /token, like Entra ID', async () => {
  const peer = await sdkPeer({ rejectResourceParameter: true })
  const client = new TestOAuthClient()
  expect(await auth(client, { serverUrl: peer.mcpUrl })).toBe('REDIRECT')
  const authorizationUrl = new URL(client.authorizationUrl?.href ?? '')
  expect(authorizationUrl.searchParams.get('resource')).toBe(peer.mcpUrl)
  const refused = new URL(await followAutoApproval(authorizationUrl.href))
  expect(refused.searchParams.get('error')).toBe('invalid_target')
  expect(refused.searchParams.get('state')).toBe(client.lastState)
  expect(refused.searchParams.has('code')).toBe(false)

  authorizationUrl.searchParams.delete('resource')
  const redirect = new URL(await followAutoApproval(authorizationUrl.href))
  const exchange = (resource?: URL) =>
    exchangeAuthorization(peer.issuer, {
      metadata: peer.metadata,
      clientInformation: client.requireClientInformation(),
      authorizationCode: redirect.searchParams.get('code') ?? '',
      codeVerifier: client.codeVerifier(),
      redirectUri: REDIRECT_URL,
      resource,
    })
  // Refused before the code is used: the same code then works without resource.
  await expect(exchange(new URL(peer.mcpUrl))).rejects.toBeInstanceOf(InvalidTargetError)
  const tokens = await exchange()
  expect((await postMcp(peer.mcpUrl, tokens.access_token)).status).toBe(200)

  const refresh = (resource?: string) =>
    fetch(peer.metadata.token_endpoint, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token ?? '',
        client_id: client.requireClientInformation().client_id,
        ...(resource === undefined ? {} : { resource }),
      }),
    })
  const refusedRefresh = await refresh(peer.mcpUrl)
  expect(refusedRefresh.status).toBe(400)
  expect(await refusedRefresh.json()).toMatchObject({ error: 'invalid_target' })
  expect((await refresh()).status).toBe(200)
  expect(peer.stats.tokenErrors).toEqual({ invalid_target: 2 })
})

test('sdk peer with resourceOverride serves resource metadata for another resource, which the SDK client refuses', async () => {
  const peer = await sdkPeer({ resourceOverride: 'http://127.0.0.1:9/another-mcp' })
  expect(await (await fetch(peer.resourceMetadataUrl)).json()).toMatchObject({
    resource: 'http://127.0.0.1:9/another-mcp',
    authorization_servers: [peer.issuer],
  })
  await expect(auth(new TestOAuthClient(), { serverUrl: peer.mcpUrl })).rejects.toThrow(/does not match/)
  expect(peer.stats).toMatchObject({ registrationRequests: 0, authorizationRequests: 0 })
})

test('sdk peer with metadataCacheControl sends that Cache-Control on both metadata documents', async () => {
  const peer = await sdkPeer({ metadataCacheControl: 'max-age=60' })
  const plain = await sdkPeer()
  for (const { resourceMetadataUrl, issuer } of [peer, plain]) {
    const expected = issuer === peer.issuer ? 'max-age=60' : null
    const prm = await fetch(resourceMetadataUrl)
    expect(prm.status).toBe(200)
    expect(prm.headers.get('cache-control')).toBe(expected)
    const asm = await fetch(new URL('/.well-known/oauth-authorization-server', issuer))
    expect(asm.status).toBe(200)
    expect(asm.headers.get('cache-control')).toBe(expected)
  }
  expect(peer.stats.metadataRequests).toEqual({ protectedResource: 1, authorizationServer: 1 })
})

test('sdk peer with clientIdMetadataDocuments: a client whose client_id is its document URL authorizes, exchanges and refreshes without registering', async () => {
  const peer = await sdkPeer({ clientIdMetadataDocuments: true })
  expect(await metadataOf(peer.issuer)).toMatchObject({ client_id_metadata_document_supported: true })
  const host = await documentHost()
  const clientId = host.serve('/oauth/client-metadata.json', (url) => clientDocument(url))
  const clientInformation = { client_id: clientId }
  const resource = new URL(peer.mcpUrl)

  const { response, codeVerifier } = await authorizeAs(peer, clientId)
  expect(response.status).toBe(302)
  const redirect = new URL(response.headers.get('location') ?? '')
  expect(redirect.searchParams.get('state')).toBe('document-state')
  const tokens = await exchangeAuthorization(peer.issuer, {
    metadata: peer.metadata,
    clientInformation,
    authorizationCode: redirect.searchParams.get('code') ?? '',
    codeVerifier,
    redirectUri: REDIRECT_URL,
    resource,
  })
  expect((await postMcp(peer.mcpUrl, tokens.access_token)).status).toBe(200)
  const refreshed = await refreshAuthorization(peer.issuer, {
    metadata: peer.metadata,
    clientInformation,
    refreshToken: tokens.refresh_token ?? '',
    resource,
  })
  expect(refreshed.refresh_token).not.toBe(tokens.refresh_token)

  // Fetched once, at /authorize; both /token requests used the cached document.
  expect(host.requests).toEqual(['/oauth/client-metadata.json'])
  expect(peer.stats).toMatchObject({
    metadataDocumentFetches: 1,
    metadataDocumentFailures: 0,
    registrationRequests: 0,
    registrations: 0,
    tokenRequests: { authorization_code: 1, refresh_token: 1 },
  })
})

test('sdk peer with clientIdMetadataDocuments refuses a document that does not describe the client, with 400 and no redirect', async () => {
  const peer = await sdkPeer({ clientIdMetadataDocuments: true })
  const host = await documentHost()
  const good = host.serve('/good.json', (url) => clientDocument(url))
  // Each of these would be accepted (or refused for another reason) without the rule it tests.
  const redirecting = `${host.origin}/redirect.json`
  const redirectTarget = host.serve('/redirect-target.json', () => clientDocument(redirecting))
  const invalidClient = [
    host.serve('/other-id.json', () => clientDocument(good)),
    host.serve('/text.json', (url) => ({ ...clientDocument(url), contentType: 'text/plain' })),
    host.serve('/not-json.json', () => ({ body: '{"client_id":' })),
    host.serve('/large.json', (url) => clientDocument(url, { client_name: 'x'.repeat(6 * 1024) })),
    host.serve('/redirect.json', () => ({ status: 302, headers: { Location: redirectTarget }, body: '' })),
    host.serve('/gone.json', () => ({ status: 404, body: '{}' })),
    host.serve('/basic.json', (url) => clientDocument(url, { token_endpoint_auth_method: 'client_secret_basic' })),
    host.serve('/secret.json', (url) => clientDocument(url, { client_secret: 'shared-by-everyone' })),
    host.serve('/no-redirects.json', (url) => clientDocument(url, { redirect_uris: [] })),
  ]
  for (const clientId of invalidClient) {
    const { response } = await authorizeAs(peer, clientId)
    expect(await refusal(response), clientId).toMatchObject({ error: 'invalid_client' })
  }
  // Refused before any fetch: plain http to a host that is not loopback, no path, dot segments, a fragment.
  const badUrls = [
    'http://client.example.invalid/metadata.json',
    `${host.origin}/`,
    `${host.origin}/docs/../good.json`,
    `${good}#fragment`,
  ]
  for (const clientId of badUrls) {
    const { response } = await authorizeAs(peer, clientId)
    expect(await refusal(response), clientId).toMatchObject({ error: 'invalid_client' })
  }
  // A valid document that does not list this redirect URI: the SDK's handler refuses it.
  const elsewhere = host.serve('/elsewhere.json', (url) =>
    clientDocument(url, { redirect_uris: ['http://127.0.0.1:9/elsewhere'] }),
  )
  expect(await refusal((await authorizeAs(peer, elsewhere)).response)).toMatchObject({
    error: 'invalid_request',
    error_description: 'Unregistered redirect_uri',
  })

  expect(peer.stats).toMatchObject({
    metadataDocumentFetches: invalidClient.length + 1,
    metadataDocumentFailures: invalidClient.length + badUrls.length,
    authorizations: 0,
  })
  // A refused document is not cached: the next request fetches it again.
  await authorizeAs(peer, invalidClient[0] ?? '')
  expect(peer.stats.metadataDocumentFetches).toBe(invalidClient.length + 2)
  // Redirects are not followed (the document must be at the client_id URL itself).
  expect(host.requests).not.toContain('/redirect-target.json')
})

test('sdk peer with clientIdMetadataDocuments refuses a document URL at /token too, and gives up on a host that does not answer', async () => {
  const peer = await sdkPeer({ clientIdMetadataDocuments: true })
  const host = await documentHost()
  const mismatched = host.serve('/mismatched.json', (url) => clientDocument(`${url}?v=2`))
  const token = await fetch(peer.metadata.token_endpoint, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: 'unused',
      code_verifier: 'a'.repeat(43),
      client_id: mismatched,
    }),
  })
  expect(token.status).toBe(400)
  expect(await token.json()).toMatchObject({ error: 'invalid_client' })
  expect(peer.stats.tokenErrors).toEqual({ invalid_client: 1 })

  const silent = host.serve('/silent.json', () => 'hang')
  const startedMs = Date.now()
  const { response } = await authorizeAs(peer, silent)
  expect(await refusal(response)).toMatchObject({
    error: 'invalid_client',
    error_description: expect.stringMatching(/no answer within/),
  })
  expect(Date.now() - startedMs).toBeLessThan(5_000)
  expect(peer.stats.metadataDocumentFailures).toBe(2)
})

test('sdk peer: without clientIdMetadataDocuments a URL client_id is an unknown client and nothing is fetched', async () => {
  const peer = await sdkPeer()
  expect(peer.metadata).not.toHaveProperty('client_id_metadata_document_supported')
  const host = await documentHost()
  const clientId = host.serve('/client.json', (url) => clientDocument(url))
  expect(await refusal((await authorizeAs(peer, clientId)).response)).toMatchObject({ error: 'invalid_client' })
  expect(host.requests).toEqual([])
  expect(peer.stats.metadataDocumentFetches).toBe(0)
})

test('the SDK client uses its https clientMetadataUrl as client_id only where the peer advertises support', async () => {
  const clientMetadataUrl = 'https://switchboard.example/oauth/client-metadata.json'
  const peer = await sdkPeer({ clientIdMetadataDocuments: true })
  const client = new TestOAuthClient({ clientMetadataUrl })
  expect(await auth(client, { serverUrl: peer.mcpUrl })).toBe('REDIRECT')
  expect(client.authorizationUrl?.searchParams.get('client_id')).toBe(clientMetadataUrl)
  expect(peer.stats.registrationRequests).toBe(0)

  // Registration still works on that peer, and is the fallback where support is not advertised.
  expect(await auth(new TestOAuthClient(), { serverUrl: peer.mcpUrl })).toBe('REDIRECT')
  expect(peer.stats.registrations).toBe(1)
  const plain = await sdkPeer()
  const registering = new TestOAuthClient({ clientMetadataUrl })
  expect(await auth(registering, { serverUrl: plain.mcpUrl })).toBe('REDIRECT')
  expect(plain.stats.registrations).toBe(1)
  expect(registering.authorizationUrl?.searchParams.get('client_id')).not.toBe(clientMetadataUrl)
  // NOTE: the SDK refuses a non-https clientMetadataUrl, so the peer's http-on-loopback documents are
  // tested above with startAuthorization() and exchangeAuthorization() instead of auth().
  const loopback = new TestOAuthClient({ clientMetadataUrl: 'http://127.0.0.1:9/oauth/client-metadata.json' })
  await expect(auth(loopback, { serverUrl: peer.mcpUrl })).rejects.toThrow(/HTTPS/)
})

// ---------------------------------------------------------------------------------------------
// Peer 2: oidc-provider

test('oidc peer: registration, the sign-in and consent pages, and code exchange give a JWT for the MCP URL that lists the tools', async () => {
  const peer = await oidcPeer()
  const client = new TestOAuthClient()
  const metadata = await metadataOf(peer.issuer)
  expect(metadata).toMatchObject({
    issuer: peer.issuer,
    authorization_response_iss_parameter_supported: true,
    code_challenge_methods_supported: ['S256'],
    registration_endpoint: expect.any(String),
    revocation_endpoint: expect.any(String),
    introspection_endpoint: expect.any(String),
  })

  const { redirect } = await authorizeClient(peer.mcpUrl, client, peer.approveAuthorization)
  // RFC 9207: the authorization response names its issuer, exactly as the metadata does.
  expect(redirect.searchParams.get('iss')).toBe(metadata.issuer)

  const tokens = client.requireTokens()
  expect(tokens.refresh_token).toEqual(expect.any(String))
  expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ typ: 'at+jwt', alg: 'RS256' })
  expect(decodeJwt(tokens.access_token)).toMatchObject({ iss: peer.issuer, aud: peer.mcpUrl, scope: 'mcp:tools' })
  expect(await listToolNames(peer.mcpUrl, client)).toContain('echo')
  expect(peer.stats).toMatchObject({
    registrations: 1,
    signIns: 1,
    consents: 1,
    denials: 0,
    authorizations: 1,
    tokenRequests: { authorization_code: 1 },
  })
})

test('oidc peer: the sign-in page is a plain HTML form a person can submit', async () => {
  const peer = await oidcPeer()
  const client = new TestOAuthClient()
  expect(await auth(client, { serverUrl: peer.mcpUrl })).toBe('REDIRECT')
  const start = await fetch(client.authorizationUrl ?? '', { redirect: 'manual' })
  expect(start.status).toBe(303)
  const pageUrl = new URL(start.headers.get('location') ?? '', peer.issuer)
  const cookies = start.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0])
    .join('; ')
  const page = await fetch(pageUrl, { headers: { Cookie: cookies } })
  expect(page.headers.get('content-type')).toContain('text/html')
  const html = await page.text()
  expect(html).toContain('<label for="login">Name</label>')
  expect(html).toMatch(/<form method="post" action="\/interaction\/[^"]+">/)
  expect(html).toContain('value="sign-in">Sign in</button>')
  expect(html).toContain('Switchboard peer test')
  // Without its interaction cookie the page is refused: another site cannot drive it.
  expect((await fetch(pageUrl)).status).toBe(400)
})

test('oidc peer: a refresh rotates the refresh token; replaying the old one is refused and revokes the grant', async () => {
  const peer = await oidcPeer()
  const client = new TestOAuthClient()
  const metadata = await metadataOf(peer.issuer)
  await authorizeClient(peer.mcpUrl, client, peer.approveAuthorization)
  const first = client.requireTokens()

  expect(await auth(client, { serverUrl: peer.mcpUrl })).toBe('AUTHORIZED')
  const second = client.requireTokens()
  expect(second.refresh_token).not.toBe(first.refresh_token)
  expect(peer.stats.tokenRequests.refresh_token).toBe(1)

  await expect(
    refreshWith(peer.issuer, metadata, client, first.refresh_token ?? '', peer.mcpUrl),
  ).rejects.toBeInstanceOf(InvalidGrantError)
  await expect(
    refreshWith(peer.issuer, metadata, client, second.refresh_token ?? '', peer.mcpUrl),
  ).rejects.toBeInstanceOf(InvalidGrantError)
  expect(peer.stats.tokenErrors).toEqual({ invalid_grant: 2 })
})

test('oidc peer: a revoked refresh token is refused; a JWT access token cannot be revoked (unsupported_token_type)', async () => {
  const peer = await oidcPeer()
  const client = new TestOAuthClient()
  const metadata = await metadataOf(peer.issuer)
  await authorizeClient(peer.mcpUrl, client, peer.approveAuthorization)
  const tokens = client.requireTokens()
  const clientInformation = client.requireClientInformation()

  const accessRevocation = await revokeToken(metadata, clientInformation, tokens.access_token, 'access_token')
  expect(accessRevocation.status).toBe(400)
  expect(JSON.parse(accessRevocation.body)).toMatchObject({ error: 'unsupported_token_type' })
  // A JWT stays valid at the resource until it expires: revoking the refresh token is what ends access.
  expect((await postMcp(peer.mcpUrl, tokens.access_token)).status).toBe(200)

  const refreshToken = tokens.refresh_token ?? ''
  expect(await revokeToken(metadata, clientInformation, refreshToken, 'refresh_token')).toMatchObject({ status: 200 })
  await expect(refreshWith(peer.issuer, metadata, client, refreshToken, peer.mcpUrl)).rejects.toBeInstanceOf(
    InvalidGrantError,
  )
  expect(peer.stats.revocations).toEqual({ accessToken: 0, refreshToken: 1, unknown: 0, refused: 1 })
  expect(peer.stats.revocationErrors).toEqual({ unsupported_token_type: 1 })
})

test('oidc peer: no token, a garbage token or a JWT signed by someone else gets 401 with a Bearer challenge', async () => {
  const peer = await oidcPeer()
  const missing = await postMcp(peer.mcpUrl, undefined)
  expect(missing.status).toBe(401)
  expect(challengeParams(missing.challenge)).toMatchObject({
    error: 'invalid_token',
    resource_metadata: peer.resourceMetadataUrl,
  })
  const prm = await (await fetch(peer.resourceMetadataUrl)).json()
  expect(prm).toMatchObject({
    resource: peer.mcpUrl,
    authorization_servers: [peer.issuer],
    scopes_supported: ['mcp:tools'],
  })

  expect((await postMcp(peer.mcpUrl, 'garbage')).status).toBe(401)

  const { privateKey } = await generateKeyPair('RS256')
  const forged = await new SignJWT({ client_id: 'someone', scope: 'mcp:tools' })
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'forged' })
    .setIssuer(peer.issuer)
    .setAudience(peer.mcpUrl)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey)
  const refused = await postMcp(peer.mcpUrl, forged)
  expect(refused.status).toBe(401)
  expect(challengeParams(refused.challenge)).toMatchObject({ error: 'invalid_token' })
  expect(peer.stats.mcp.unauthorized).toBe(3)
})

test('oidc peer: a JWT access token past its exp gets 401 invalid_token', async () => {
  const peer = await oidcPeer({ accessTokenTtlSeconds: 2 })
  const client = new TestOAuthClient()
  await authorizeClient(peer.mcpUrl, client, peer.approveAuthorization)
  const { access_token: accessToken } = client.requireTokens()
  const { exp } = decodeJwt(accessToken)
  if (exp === undefined) throw new Error('the access token has no exp')
  expect((await postMcp(peer.mcpUrl, accessToken)).status).toBe(200)

  await delay(Math.max(0, exp * 1000 - Date.now()) + 50)
  const expired = await postMcp(peer.mcpUrl, accessToken)
  expect(expired.status).toBe(401)
  expect(challengeParams(expired.challenge)).toMatchObject({
    error: 'invalid_token',
    error_description: expect.stringMatching(/expired/),
  })
})

test('oidc peer: pressing Deny sends access_denied, with state and iss, back to the client', async () => {
  const peer = await oidcPeer()
  const client = new TestOAuthClient()
  expect(await auth(client, { serverUrl: peer.mcpUrl })).toBe('REDIRECT')
  const redirect = new URL(await peer.approveAuthorization(client.authorizationUrl?.href ?? '', { deny: true }))
  expect(redirect.origin + redirect.pathname).toBe(REDIRECT_URL)
  expect(Object.fromEntries(redirect.searchParams)).toMatchObject({
    error: 'access_denied',
    state: client.lastState,
    iss: peer.issuer,
  })
  expect(redirect.searchParams.has('code')).toBe(false)
  expect(peer.stats).toMatchObject({ denials: 1, signIns: 0, tokenRequests: {} })
})

test('oidc peer: an authorization request without PKCE is refused', async () => {
  const peer = await oidcPeer()
  const client = new TestOAuthClient()
  expect(await auth(client, { serverUrl: peer.mcpUrl })).toBe('REDIRECT')
  const withoutPkce = new URL(client.authorizationUrl?.href ?? '')
  withoutPkce.searchParams.delete('code_challenge')
  withoutPkce.searchParams.delete('code_challenge_method')

  const redirect = new URL(await peer.approveAuthorization(withoutPkce.href))
  expect(redirect.searchParams.get('error')).toBe('invalid_request')
  expect(redirect.searchParams.get('error_description')).toMatch(/PKCE/)
  expect(peer.stats.signIns).toBe(0)
})

// ---------------------------------------------------------------------------------------------
// Peer 3: pre-registered confidential client, client_secret_basic

test('preregistered peer: a pre-registered client authorizes with PKCE, authenticates with HTTP Basic and lists the tools', async () => {
  const peer = await preregisteredPeer()
  expect(peer.metadata.registration_endpoint).toBeUndefined()
  expect(peer.metadata.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic'])
  expect((await fetch(new URL('/register', peer.issuer), { method: 'POST' })).status).toBe(404)

  const client = preregisteredTestClient()
  await authorizeClient(peer.mcpUrl, client, followAutoApproval)
  expect(client.requireTokens().refresh_token).toEqual(expect.any(String))
  expect(await listToolNames(peer.mcpUrl, client)).toContain('echo')
  expect(peer.stats).toMatchObject({
    authorizations: 1,
    tokenRequests: { authorization_code: 1 },
    tokenErrors: {},
    clientAuthenticationFailures: 0,
  })
})

test('preregistered peer: client_secret_post is refused with 401 invalid_client, and the same request with Basic succeeds', async () => {
  const peer = await preregisteredPeer()
  const client = preregisteredTestClient()
  await authorizeClient(peer.mcpUrl, client, followAutoApproval)
  const refreshToken = client.requireTokens().refresh_token ?? ''
  const tokenEndpoint = peer.metadata.token_endpoint
  const form = { grant_type: 'refresh_token', refresh_token: refreshToken, resource: peer.mcpUrl }

  const posted = await fetch(tokenEndpoint, {
    method: 'POST',
    body: new URLSearchParams({
      ...form,
      client_id: preregisteredClient.clientId,
      client_secret: preregisteredClient.clientSecret,
    }),
  })
  expect(posted.status).toBe(401)
  expect(posted.headers.get('www-authenticate')).toMatch(/^Basic realm=/)
  expect(await posted.json()).toMatchObject({ error: 'invalid_client' })

  const wrongSecret = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { Authorization: `Basic ${btoa(`${preregisteredClient.clientId}:wrong`)}` },
    body: new URLSearchParams(form),
  })
  expect(wrongSecret.status).toBe(401)

  const basic = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${btoa(`${preregisteredClient.clientId}:${preregisteredClient.clientSecret}`)}`,
    },
    body: new URLSearchParams(form),
  })
  expect(basic.status).toBe(200)
  expect(await basic.json()).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String) })
  expect(peer.stats.clientAuthenticationFailures).toBe(2)
  expect(peer.stats.tokenErrors).toEqual({ invalid_client: 2 })
})

test('preregistered peer: a client without pre-registered credentials cannot register itself', async () => {
  const peer = await preregisteredPeer()
  const client = new TestOAuthClient()
  await expect(auth(client, { serverUrl: peer.mcpUrl })).rejects.toThrow(/registration/i)
  expect(peer.stats.authorizations).toBe(0)
})

test('preregistered peer: a code exchange with the wrong PKCE verifier is refused', async () => {
  const peer = await preregisteredPeer()
  const client = preregisteredTestClient()
  expect(await auth(client, { serverUrl: peer.mcpUrl })).toBe('REDIRECT')
  const redirect = new URL(await followAutoApproval(client.authorizationUrl?.href ?? ''))
  const exchange = exchangeAuthorization(peer.issuer, {
    metadata: peer.metadata,
    clientInformation: client.requireClientInformation(),
    authorizationCode: redirect.searchParams.get('code') ?? '',
    codeVerifier: 'a'.repeat(43),
    redirectUri: REDIRECT_URL,
    resource: new URL(peer.mcpUrl),
  })
  await expect(exchange).rejects.toBeInstanceOf(InvalidGrantError)
  expect(peer.stats.validAccessTokens.size).toBe(0)
})

test('preregistered peer: refresh rotates, and revoked tokens are refused', async () => {
  const peer = await preregisteredPeer()
  const client = preregisteredTestClient()
  await authorizeClient(peer.mcpUrl, client, followAutoApproval)
  const first = client.requireTokens()

  expect(await auth(client, { serverUrl: peer.mcpUrl })).toBe('AUTHORIZED')
  const second = client.requireTokens()
  expect(second.refresh_token).not.toBe(first.refresh_token)
  const replay = refreshWith(peer.issuer, peer.metadata, client, first.refresh_token ?? '', peer.mcpUrl)
  await expect(replay).rejects.toBeInstanceOf(InvalidGrantError)

  // Reuse detection revoked the grant; start again and revoke explicitly (with HTTP Basic).
  client.invalidateCredentials('tokens')
  await authorizeClient(peer.mcpUrl, client, followAutoApproval)
  const third = client.requireTokens()
  const clientInformation = client.requireClientInformation()
  expect(await revokeToken(peer.metadata, clientInformation, third.access_token, 'access_token')).toMatchObject({
    status: 200,
  })
  expect((await postMcp(peer.mcpUrl, third.access_token)).status).toBe(401)
  expect(await revokeToken(peer.metadata, clientInformation, third.refresh_token ?? '', 'refresh_token')).toMatchObject(
    {
      status: 200,
    },
  )
  await expect(
    refreshWith(peer.issuer, peer.metadata, client, third.refresh_token ?? '', peer.mcpUrl),
  ).rejects.toBeInstanceOf(InvalidGrantError)
  expect(peer.stats.revocations).toMatchObject({ accessToken: 1, refreshToken: 1 })
})

test('preregistered peer: no token, an unknown token and an expired token get 401 with a Bearer challenge', async () => {
  const peer = await preregisteredPeer({ accessTokenTtlSeconds: 1 })
  const missing = await postMcp(peer.mcpUrl, undefined)
  expect(missing.status).toBe(401)
  expect(challengeParams(missing.challenge)).toMatchObject({ resource_metadata: peer.resourceMetadataUrl })
  expect((await postMcp(peer.mcpUrl, 'unknown')).status).toBe(401)

  const client = preregisteredTestClient()
  await authorizeClient(peer.mcpUrl, client, followAutoApproval)
  const { access_token: accessToken } = client.requireTokens()
  expect((await postMcp(peer.mcpUrl, accessToken)).status).toBe(200)
  await delay(1100)
  const expired = await postMcp(peer.mcpUrl, accessToken)
  expect(expired.status).toBe(401)
  expect(challengeParams(expired.challenge)).toMatchObject({
    error: 'invalid_token',
    error_description: expect.stringMatching(/expired/),
  })
})

test('preregistered peer: a wrong client secret is refused as invalid_client, which the SDK client reports as InvalidClientError', async () => {
  const peer = await preregisteredPeer()
  const client = new TestOAuthClient({
    preregistered: { client_id: preregisteredClient.clientId, client_secret: 'wrong', redirect_uris: [REDIRECT_URL] },
  })
  expect(await auth(client, { serverUrl: peer.mcpUrl })).toBe('REDIRECT')
  const redirect = new URL(await followAutoApproval(client.authorizationUrl?.href ?? ''))
  const exchange = exchangeAuthorization(peer.issuer, {
    metadata: peer.metadata,
    clientInformation: client.requireClientInformation(),
    authorizationCode: redirect.searchParams.get('code') ?? '',
    codeVerifier: client.codeVerifier(),
    redirectUri: REDIRECT_URL,
    resource: new URL(peer.mcpUrl),
  })
  await expect(exchange).rejects.toBeInstanceOf(InvalidClientError)
})
