import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, expect, test, vi } from 'vitest'
import { keyHashOf } from '#app/gateway/as/adapter.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { AGENT_REDIRECT_URL, AgentOAuthClient, consentAsBrowser, type DocumentServer, startDocumentServer } from '#tests/support/agent-oauth.ts'
import { type GatewayServer, startGatewayServer } from '#tests/support/gateway-server.ts'
import { type TestAccount, createTestAccount } from '#tests/utils.ts'

// Switchboard as the authorization server of its MCP endpoints, end to end with the v2 SDK client: discovery from the
// endpoint's 401 (PRM, AS metadata), registration (DCR) or a Client ID Metadata Document on https, PKCE, consent
// posted as a browser would, the code exchange with its `iss` check, then a listing at the endpoint.

let gateway: GatewayServer
let documents: DocumentServer
let account: TestAccount
const warnings: string[] = []

beforeAll(async () => {
  // Recorded from before the authorization server is first loaded in this worker (a fresh process per file).
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    warnings.push(args.map(String).join(' '))
  })
  gateway = await startGatewayServer()
  documents = await startDocumentServer()
  account = await createTestAccount('Agent Owner')
})
afterAll(async () => {
  await gateway?.close()
  await documents?.close()
})

function endpoint(): URL {
  return new URL(`/mcp/${account.user.workspaceId}`, gateway.publicOrigin)
}

/** Connects with `provider`: the first attempt must ask for authorization, then consent, then a listing works. */
async function authorizeAndList(provider: AgentOAuthClient): Promise<void> {
  const first = new StreamableHTTPClientTransport(endpoint(), { authProvider: provider, fetch: gateway.fetch })
  await expect(new Client({ name: 'test agent', version: '1.0.0' }).connect(first)).rejects.toBeInstanceOf(UnauthorizedError)
  const authorizationUrl = provider.requireAuthorizationUrl()
  expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(`${gateway.publicOrigin}/as/authorize`)
  expect(authorizationUrl.searchParams.get('resource')).toBe(endpoint().href)
  expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256')

  const callback = await consentAsBrowser(gateway, authorizationUrl, account.cookie)
  expect(callback.origin + callback.pathname).toBe(AGENT_REDIRECT_URL)
  expect(callback.searchParams.get('iss')).toBe(gateway.publicOrigin)
  expect(callback.searchParams.get('code')).toBeTruthy()
  // finishAuth checks `iss` against the authorization server's metadata (RFC 9207) and exchanges the code.
  await first.finishAuth(callback.searchParams)
  const tokens = provider.requireTokens()
  expect(tokens.refresh_token).toBeTruthy()
  expect(tokens.expires_in).toBeGreaterThanOrEqual(5 * 60)
  expect(tokens.expires_in).toBeLessThanOrEqual(15 * 60)

  const client = new Client({ name: 'test agent', version: '1.0.0' })
  await client.connect(new StreamableHTTPClientTransport(endpoint(), { authProvider: provider, fetch: gateway.fetch }))
  const { tools } = await client.listTools()
  expect(Array.isArray(tools)).toBe(true)
  await client.close()

  // Codes and tokens are stored only as hashes.
  const stored = await getDb().agentAuthRecord.findMany({ select: { keyHash: true, payload: true } })
  const dump = JSON.stringify(stored)
  expect(dump).not.toContain(tokens.access_token)
  expect(dump).not.toContain(tokens.refresh_token)
  expect(dump).not.toContain(callback.searchParams.get('code'))
  expect(stored.map((row) => row.keyHash)).toContain(keyHashOf(tokens.access_token))
}

test('an agent registers itself (DCR), the person allows it, and it lists the workspace tools', async () => {
  const provider = new AgentOAuthClient({ clientName: 'Registered Agent' })
  await authorizeAndList(provider)
  const info = provider.clientInformation()
  const grant = await getDb().agentGrant.findFirstOrThrow({
    where: { userId: account.user.id, clientId: info?.client_id },
    select: { clientName: true, redirectHost: true, viaMetadataDocument: true, resource: true, lastUsedAt: true },
  })
  expect(grant).toMatchObject({ clientName: 'Registered Agent', redirectHost: '127.0.0.1:9', viaMetadataDocument: false, resource: endpoint().href })
  expect(grant.lastUsedAt).not.toBeNull()
  const audit = await getDb().auditEvent.findFirst({ where: { workspaceId: account.user.workspaceId, event: 'agent.app_allowed' } })
  expect(audit?.detail).toContain('Registered Agent')
})

test('an agent identified by a Client ID Metadata Document on https is verified and lists the workspace tools', async () => {
  const clientId = `${documents.origin}/agent/client.json`
  documents.documents.set('/agent/client.json', {
    client_id: clientId,
    client_name: 'Document Agent',
    redirect_uris: [AGENT_REDIRECT_URL],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  })
  const provider = new AgentOAuthClient({ clientMetadataUrl: clientId })
  await authorizeAndList(provider)
  const grant = await getDb().agentGrant.findFirstOrThrow({ where: { clientId }, select: { clientName: true, viaMetadataDocument: true } })
  expect(grant).toEqual({ clientName: 'Document Agent', viaMetadataDocument: true })
  // Fetched once for authorize and token together: cached as its Cache-Control allows.
  expect(documents.fetches.get('/agent/client.json')).toBe(1)
  // Nothing of a document client is stored.
  expect(await getDb().agentAuthRecord.count({ where: { model: 'Client' , keyHash: keyHashOf(clientId) } })).toBe(0)
})

test('loading the authorization server on Node 20 prints no "Unsupported runtime" warning', () => {
  // oidc-provider asks for Node 22 with console.warn at import; Switchboard turns that line into a debug log line.
  expect(warnings.filter((line) => line.includes('oidc-provider'))).toEqual([])
})
