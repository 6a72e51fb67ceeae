import { expect, test } from 'vitest'
import { isAcceptableEndpoint } from '#app/oauth/http.server.ts'
import { canonicalResource, legacyIssuerWithPath, sameIssuer } from '#app/oauth/metadata.server.ts'
import { explainOAuthError, shortDescription, theServerSaid } from '#app/oauth/errors.server.ts'
import { parseOAuthExceptions, serializeOAuthExceptions } from '#app/oauth/rules.ts'
import { applyClientAuthentication, preferredAuthMethod } from '#app/oauth/provider.server.ts'
import { scopesToRequest } from '#app/oauth/authorize.server.ts'
import type { OAuthServer } from '#app/oauth/client-identity.server.ts'
import type { OAuthDiscovery } from '#app/oauth/metadata.server.ts'

test('endpoints must be https, or http on a loopback host only', () => {
  expect(isAcceptableEndpoint('https://as.example.com/authorize')).toBe(true)
  expect(isAcceptableEndpoint('http://127.0.0.1:4000/authorize')).toBe(true)
  expect(isAcceptableEndpoint('http://localhost/authorize')).toBe(true)
  expect(isAcceptableEndpoint('http://[::1]:8080/token')).toBe(true)
  expect(isAcceptableEndpoint('http://as.example.com/authorize')).toBe(false)
  expect(isAcceptableEndpoint('http://10.0.0.1/authorize')).toBe(false)
  expect(isAcceptableEndpoint('javascript:alert(1)')).toBe(false)
  expect(isAcceptableEndpoint('data:text/html,hi')).toBe(false)
  expect(isAcceptableEndpoint('https://user:pw@as.example.com/')).toBe(false)
  expect(isAcceptableEndpoint('not a url')).toBe(false)
  expect(isAcceptableEndpoint(undefined)).toBe(false)
})

test('issuers compare as exact strings: no trailing slash, case, default port or path normalisation (RFC 8414 §3.3, RFC 9207 §2.4)', () => {
  expect(sameIssuer('https://as.example.com', 'https://as.example.com')).toBe(true)
  expect(sameIssuer('https://as.example.com/tenant', 'https://as.example.com/tenant')).toBe(true)
  expect(sameIssuer('https://as.example.com', 'https://as.example.com/')).toBe(false)
  expect(sameIssuer('https://as.example.com/', 'https://as.example.com')).toBe(false)
  expect(sameIssuer('https://as.example.com/tenant', 'https://as.example.com/tenant/')).toBe(false)
  expect(sameIssuer('https://AS.example.com', 'https://as.example.com')).toBe(false)
  expect(sameIssuer('HTTPS://as.example.com', 'https://as.example.com')).toBe(false)
  expect(sameIssuer('https://as.example.com:443', 'https://as.example.com')).toBe(false)
  expect(sameIssuer('https://as.example.com/a/../tenant', 'https://as.example.com/tenant')).toBe(false)
  expect(sameIssuer('https://as.example.com/%7Euser', 'https://as.example.com/~user')).toBe(false)
  expect(sameIssuer('https://as.example.com', 'https://evil.example.com')).toBe(false)
})

test('an MCP 2025-03-26 issuer is "different" only when it has a path beyond the origin', () => {
  expect(legacyIssuerWithPath('https://mcp.example.com/mcp', 'https://mcp.example.com')).toBe(false)
  expect(legacyIssuerWithPath('https://mcp.example.com/mcp', 'https://mcp.example.com/')).toBe(false)
  expect(legacyIssuerWithPath('https://mcp.example.com/mcp', 'https://mcp.example.com/oauth')).toBe(true)
})

test('the resource indicator is the server URL without its fragment', () => {
  expect(canonicalResource('https://mcp.example.com/mcp#x')).toBe('https://mcp.example.com/mcp')
  expect(canonicalResource('HTTPS://MCP.example.com/mcp')).toBe('https://mcp.example.com/mcp')
})

const discovery = (overrides: Partial<OAuthDiscovery> = {}): OAuthDiscovery => ({
  resourceMetadataUrl: null,
  resourceMetadata: { resource: 'https://mcp.example.com/mcp', scopes_supported: ['files:read', 'files:write'] },
  issuer: 'https://as.example.com',
  metadata: {
    issuer: 'https://as.example.com',
    authorization_endpoint: 'https://as.example.com/authorize',
    token_endpoint: 'https://as.example.com/token',
    response_types_supported: ['code'],
  },
  resource: 'https://mcp.example.com/mcp',
  legacy: false,
  ...overrides,
})
const server = (overrides: Partial<OAuthServer> = {}): OAuthServer => ({
  id: 's',
  workspaceId: 'w',
  name: 'S',
  url: 'https://mcp.example.com/mcp',
  configVersion: 1,
  oauthClientId: null,
  oauthTokenAuthMethod: null,
  oauthScopes: null,
  oauthShared: false,
  oauthExceptions: '',
  ...overrides,
})

test('scopes: admin override, then the challenge, then the resource metadata, never invented', () => {
  expect(scopesToRequest(server({ oauthScopes: 'admin:chosen' }), discovery(), 'from:challenge')).toBe('admin:chosen')
  expect(scopesToRequest(server(), discovery(), 'from:challenge')).toBe('from:challenge')
  expect(scopesToRequest(server(), discovery(), null)).toBe('files:read files:write')
  expect(scopesToRequest(server(), discovery({ resourceMetadata: null }), null)).toBe('')
  // Step-up adds to what would be asked anyway.
  expect(scopesToRequest(server(), discovery(), 'a', ['a', 'b'])).toBe('a b')
})

test('offline_access is added only when the authorization server lists it and some scope is asked', () => {
  const listed = discovery({ metadata: { ...discovery().metadata, scopes_supported: ['files:read', 'offline_access'] } })
  expect(scopesToRequest(server(), listed, 'files:read')).toBe('files:read offline_access')
  expect(scopesToRequest(server(), discovery(), 'files:read')).toBe('files:read')
  expect(scopesToRequest(server(), { ...listed, resourceMetadata: null }, null)).toBe('')
})

test('client_secret_basic form-encodes id and secret before base64 (RFC 6749 §2.3.1)', () => {
  const headers = new Headers()
  const params = new URLSearchParams()
  applyClientAuthentication({ kind: 'preregistered', clientId: 'my client', clientSecret: 'p%s+w:ö', authMethod: 'client_secret_basic' }, headers, params)
  const encoded = (headers.get('Authorization') ?? '').replace(/^Basic /, '')
  expect(Buffer.from(encoded, 'base64').toString()).toBe('my+client:p%25s%2Bw%3A%C3%B6')
  expect(params.has('client_secret')).toBe(false)
})

test('client_secret_post puts the secret in the body; none sends the client id only', () => {
  const post = new URLSearchParams()
  applyClientAuthentication({ kind: 'dynamic', clientId: 'c', clientSecret: 's', authMethod: 'client_secret_post' }, new Headers(), post)
  expect(Object.fromEntries(post)).toEqual({ client_id: 'c', client_secret: 's' })
  const none = new URLSearchParams()
  const headers = new Headers()
  applyClientAuthentication({ kind: 'metadata_document', clientId: 'https://app/doc.json', clientSecret: null, authMethod: 'none' }, headers, none)
  expect(Object.fromEntries(none)).toEqual({ client_id: 'https://app/doc.json' })
  expect(headers.has('Authorization')).toBe(false)
})

test('DCR asks for the strongest client authentication the server lists', () => {
  const base = discovery().metadata
  expect(preferredAuthMethod(base)).toBe('client_secret_basic')
  expect(preferredAuthMethod({ ...base, token_endpoint_auth_methods_supported: ['none', 'client_secret_post'] })).toBe('client_secret_post')
  expect(preferredAuthMethod({ ...base, token_endpoint_auth_methods_supported: ['none'] })).toBe('none')
})

test('the authorization server’s own words are quoted with one full stop, never two', () => {
  expect(theServerSaid('The user did not connect.')).toBe(' (The authorization server said: “The user did not connect.”)')
  expect(theServerSaid('denied by policy')).toBe(' (The authorization server said: “denied by policy”.)')
  expect(theServerSaid('')).toBe('')
})

test('exceptions: only known names survive, in a stable order', () => {
  expect(parseOAuthExceptions('legacy_discovery, bogus,omit_resource')).toEqual(['omit_resource', 'legacy_discovery'])
  expect(serializeOAuthExceptions(['legacy_discovery', 'omit_resource', 'omit_resource'])).toBe('omit_resource,legacy_discovery')
  expect(parseOAuthExceptions(null)).toEqual([])
})

test('authorization-server errors become sentences that say what to do', () => {
  expect(explainOAuthError('invalid_target')).toMatch(/resource/)
  expect(explainOAuthError('access_denied')).toMatch(/try again/)
  expect(explainOAuthError('redirect_uri_mismatch', { redirectUri: 'https://app/oauth/callback' })).toContain('https://app/oauth/callback')
  expect(explainOAuthError('temporarily_unavailable')).toMatch(/few minutes/)
  expect(shortDescription('a\u0000b\n' + 'x'.repeat(500)).length).toBeLessThanOrEqual(201)
})
