import { readFileSync } from 'node:fs'
import https from 'node:https'
import { randomBytes } from 'node:crypto'
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  OAuthTokens,
} from '@modelcontextprotocol/client'
import { action, loader } from '#app/routes/agent.authorize.$uid/route.tsx'
import { type GatewayServer } from '#tests/support/gateway-server.ts'
import { closeServer } from '#tests/servers/peer-http.ts'
import { formRequest, getRequest, loadContext } from '#tests/utils.ts'

// An agent authorizing at Switchboard's own authorization server, as a real client and a person's browser would:
// the v2 SDK's OAuthClientProvider (kept in memory), and the person's side of consent: follow /as/authorize to the
// consent page, load it with their Switchboard cookie, post Allow (or Deny), follow the provider's resume URL to the
// app's redirect URI. The consent route is called through its loader and action (Remix routes are not served by
// startGatewayServer); everything under /as is real HTTP.

/** Never contacted: the authorization server redirects here and the tests read the Location header. */
export const AGENT_REDIRECT_URL = 'http://127.0.0.1:9/callback'

export class AgentOAuthClient implements OAuthClientProvider {
  readonly redirectUrl = AGENT_REDIRECT_URL
  readonly clientMetadata: OAuthClientMetadata
  readonly clientMetadataUrl: string | undefined
  authorizationUrl: URL | undefined
  #clientInformation: OAuthClientInformationMixed | undefined
  #tokens: OAuthTokens | undefined
  #codeVerifier: string | undefined
  #discovery: OAuthDiscoveryState | undefined

  constructor(options: { clientMetadataUrl?: string; clientName?: string } = {}) {
    this.clientMetadata = {
      client_name: options.clientName ?? 'Test agent',
      redirect_uris: [AGENT_REDIRECT_URL],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }
    this.clientMetadataUrl = options.clientMetadataUrl
  }

  state() {
    return randomBytes(16).toString('base64url')
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
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.#discovery = state
  }
  discoveryState() {
    return this.#discovery
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery') {
    if (scope === 'all' || scope === 'client') this.#clientInformation = undefined
    if (scope === 'all' || scope === 'tokens') this.#tokens = undefined
    if (scope === 'all' || scope === 'verifier') this.#codeVerifier = undefined
    if (scope === 'all' || scope === 'discovery') this.#discovery = undefined
  }

  /** The tokens saved so far; throws when there are none. */
  requireTokens(): OAuthTokens {
    if (!this.#tokens) throw new Error('no tokens saved')
    return this.#tokens
  }
  /** The authorization URL the SDK asked to open; throws when there is none. */
  requireAuthorizationUrl(): URL {
    if (!this.authorizationUrl) throw new Error('the client did not ask to open an authorization URL')
    return this.authorizationUrl
  }
}

/** A browser's cookie jar, without path scoping (sending the provider's cookies everywhere is harmless here). */
export class CookieJar {
  readonly #cookies = new Map<string, string>()

  constructor(initial = '') {
    this.add(initial)
  }
  /** Adds `name=value; name2=value2` pairs. */
  add(header: string) {
    for (const pair of header.split(';')) {
      const [name, ...value] = pair.trim().split('=')
      if (name) this.#cookies.set(name, value.join('='))
    }
  }
  /** Stores every Set-Cookie of a response (expired ones removed). */
  take(response: Response) {
    for (const setCookie of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = setCookie.split(';')
      const [name = '', ...value] = pair.trim().split('=')
      const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0\b/i.test(a))
      if (expired) this.#cookies.delete(name)
      else this.#cookies.set(name, value.join('='))
    }
  }
  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }
}

export type ConsentStep = { consentPath: string; jar: CookieJar }

/** Opens the authorization URL as the browser does and returns the consent page's path (the provider's redirect). */
export async function openAuthorization(gateway: GatewayServer, authorizationUrl: URL | string, jar: CookieJar): Promise<ConsentStep> {
  const response = await gateway.fetch(String(authorizationUrl), { headers: { cookie: jar.header() } })
  jar.take(response)
  const location = response.headers.get('location')
  if (response.status !== 303 || !location) {
    throw new Error(`/as/authorize answered ${response.status}: ${await response.text()}`)
  }
  const consentPath = new URL(location, gateway.publicOrigin).pathname
  if (!consentPath.startsWith('/agent/authorize/')) throw new Error(`/as/authorize redirected to ${location}`)
  return { consentPath, jar }
}

/** The consent route's loader for this person: its data, or the Response it threw. */
export async function loadConsentPage(step: ConsentStep): Promise<unknown> {
  const uid = step.consentPath.split('/').pop() ?? ''
  try {
    return await loader({ request: getRequest(step.consentPath, step.jar.header()), params: { uid }, context: loadContext() })
  } catch (thrown) {
    return thrown
  }
}

/** Posts the consent form; returns the action's Response (a redirect, or a thrown error Response). */
export async function postConsent(step: ConsentStep, intent: 'allow' | 'deny', path = step.consentPath): Promise<Response> {
  const uid = new URL(path, 'http://switchboard.invalid').pathname.split('/').pop() ?? ''
  try {
    const result: unknown = await action({ request: formRequest(path, { intent }, step.jar.header()), params: { uid }, context: loadContext() })
    if (result instanceof Response) return result
    throw new Error('the consent action did not answer with a Response')
  } catch (thrown) {
    if (thrown instanceof Response) return thrown
    throw thrown
  }
}

/** Follows redirects under PUBLIC_URL (the provider's resume) until one leaves it: the app's redirect URI. */
export async function followToApp(gateway: GatewayServer, location: string, jar: CookieJar): Promise<URL> {
  let next = new URL(location, gateway.publicOrigin)
  for (let hops = 0; next.origin === gateway.publicOrigin; hops++) {
    if (hops > 5) throw new Error('too many redirects')
    const response = await gateway.fetch(next.href, { headers: { cookie: jar.header() } })
    jar.take(response)
    const to = response.headers.get('location')
    if (!to) throw new Error(`${next.pathname} answered ${response.status} without a redirect: ${await response.text()}`)
    next = new URL(to, next)
  }
  return next
}

/**
 * The whole consent as a person with `sessionCookie`: authorize → consent page → Allow (or Deny) → the URL the browser
 * lands on at the app (with `code`, `state` and `iss`, or `error`).
 */
export async function consentAsBrowser(
  gateway: GatewayServer,
  authorizationUrl: URL | string,
  sessionCookie: string,
  intent: 'allow' | 'deny' = 'allow',
): Promise<URL> {
  const step = await openAuthorization(gateway, authorizationUrl, new CookieJar(sessionCookie))
  const page = await loadConsentPage(step)
  if (page instanceof Response) throw new Error(`the consent page answered ${page.status}: ${await page.text()}`)
  const posted = await postConsent(step, intent)
  const location = posted.headers.get('location')
  if (!location) throw new Error(`the consent form answered ${posted.status}: ${await posted.text()}`)
  return followToApp(gateway, location, step.jar)
}

/** An https server on localhost (the test CA's certificate) serving one JSON document per path, with Cache-Control. */
export type DocumentServer = { origin: string; documents: Map<string, unknown>; fetches: Map<string, number>; close(): Promise<void> }

export async function startDocumentServer(): Promise<DocumentServer> {
  const tls = new URL('./tls/', import.meta.url)
  const documents = new Map<string, unknown>()
  const fetches = new Map<string, number>()
  const server = https.createServer(
    { key: readFileSync(new URL('localhost.key', tls)), cert: readFileSync(new URL('localhost.pem', tls)) },
    (req, res) => {
      const path = new URL(req.url ?? '/', 'https://localhost').pathname
      fetches.set(path, (fetches.get(path) ?? 0) + 1)
      const document = documents.get(path)
      if (document === undefined) return res.writeHead(404).end()
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=300' }).end(JSON.stringify(document))
    },
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  return { origin: `https://localhost:${address.port}`, documents, fetches, close: () => closeServer(server) }
}
