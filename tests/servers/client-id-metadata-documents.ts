import { InvalidClientError } from '@modelcontextprotocol/sdk/server/auth/errors.js'
import {
  OAuthClientInformationFullSchema,
  type OAuthClientInformationFull,
} from '@modelcontextprotocol/sdk/shared/auth.js'
import { InMemoryClientsStore } from '#tests/servers/sdk-oauth-provider.ts'

// Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, MCP 2025-11-25
// "Client ID Metadata Documents") for the SDK peer: a client_id that is a URL names a JSON document,
// hosted by the client, that stands in for a registration. The SDK's authorization and token
// handlers both look the client up with clientsStore.getClient(client_id), so resolving the
// document there covers /authorize, /token and /revoke. The handlers then check the redirect URI
// against the document's redirect_uris (invalid_request) with their usual RFC 8252 §7.3 loopback
// port rule; every other refusal here is invalid_client, which they answer with a direct 400 and
// never with a redirect (the redirect URI is not trusted yet).

const METADATA_DOCUMENT_FETCH_TIMEOUT_MS = 1_000
/** The draft suggests 5 KB as the limit an authorization server may impose. */
const METADATA_DOCUMENT_MAX_BYTES = 5 * 1024
/** Successful documents only: a refused one is fetched again next time (the draft forbids caching invalid ones). */
const METADATA_DOCUMENT_CACHE_MS = 30_000

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

export type MetadataDocumentCounters = {
  /** Documents fetched over HTTP (cache hits not counted). */
  metadataDocumentFetches: number
  /** URL client ids refused: bad URL, failed fetch or invalid document. */
  metadataDocumentFailures: number
}

/**
 * Dynamic registration as in InMemoryClientsStore, plus URL client ids resolved from their metadata
 * documents. A document client is public: `token_endpoint_auth_method` "none" and no secret.
 */
export class MetadataDocumentClientsStore extends InMemoryClientsStore {
  readonly #counters: MetadataDocumentCounters
  readonly #cache = new Map<string, { client: OAuthClientInformationFull; expiresAtMs: number }>()

  constructor(counters: MetadataDocumentCounters & { registrations: number }) {
    super(counters)
    this.#counters = counters
  }

  override async getClient(clientId: string): Promise<OAuthClientInformationFull | undefined> {
    // Registered client ids are UUIDs (the SDK's registration handler makes them), never URLs.
    if (!/^https?:\/\//i.test(clientId)) return super.getClient(clientId)
    const cached = this.#cache.get(clientId)
    if (cached && cached.expiresAtMs > Date.now()) return cached.client
    try {
      const client = await this.#resolve(clientId)
      this.#cache.set(clientId, { client, expiresAtMs: Date.now() + METADATA_DOCUMENT_CACHE_MS })
      return client
    } catch (error) {
      this.#counters.metadataDocumentFailures += 1
      throw error
    }
  }

  async #resolve(clientId: string): Promise<OAuthClientInformationFull> {
    checkClientIdUrl(clientId)
    this.#counters.metadataDocumentFetches += 1
    const text = await fetchDocument(clientId)
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw new InvalidClientError('The client metadata document is not valid JSON')
    }
    const parsed = OAuthClientInformationFullSchema.safeParse(json)
    if (!parsed.success) {
      throw new InvalidClientError(`The client metadata document is invalid: ${parsed.error.issues[0]?.message}`)
    }
    const document = parsed.data
    // Simple string comparison, no normalisation (draft §4.1, RFC 3986 §6.2.1).
    if (document.client_id !== clientId) {
      throw new InvalidClientError('The client_id in the client metadata document differs from its URL')
    }
    if (document.redirect_uris.length === 0) {
      throw new InvalidClientError('The client metadata document lists no redirect_uris')
    }
    // No secret can be shared through a public document. private_key_jwt would be allowed by the draft,
    // but this peer supports public clients only.
    if (document.client_secret !== undefined) {
      throw new InvalidClientError('A client metadata document must not contain a client_secret')
    }
    const method = document.token_endpoint_auth_method ?? 'none'
    if (method !== 'none') {
      throw new InvalidClientError(`This server supports only token_endpoint_auth_method "none", not "${method}"`)
    }
    return { ...document, token_endpoint_auth_method: 'none' }
  }
}

/**
 * Draft §3: https, a path, no fragment, no credentials, no dot segments. Plain http is allowed on a
 * loopback host so that tests can host documents on 127.0.0.1.
 */
function checkClientIdUrl(clientId: string) {
  let url: URL
  try {
    url = new URL(clientId)
  } catch {
    throw new InvalidClientError('The client_id is not a valid URL')
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    throw new InvalidClientError('A client_id URL must use https (http only on a loopback host)')
  }
  // The URL parser resolves dot segments and drops an empty fragment, so look at the string as sent.
  const rawPath = clientId.replace(/^https?:\/\/[^/?#]*/i, '').split(/[?#]/)[0] ?? ''
  if (
    url.pathname === '/' ||
    clientId.includes('#') ||
    url.username !== '' ||
    url.password !== '' ||
    rawPath.split('/').some((segment) => segment === '.' || segment === '..')
  ) {
    throw new InvalidClientError('A client_id URL needs a path, and no fragment, credentials or dot segments')
  }
}

/** Fetches the document: 200 only (no redirects, draft §4), JSON, within the time and size limits. */
async function fetchDocument(url: string): Promise<string> {
  let response: Response
  try {
    response = await fetch(url, {
      redirect: 'manual',
      headers: { Accept: 'application/json' },
      signal: AbortSignal.timeout(METADATA_DOCUMENT_FETCH_TIMEOUT_MS),
    })
  } catch (error) {
    throw new InvalidClientError(`Could not fetch the client metadata document (${describeFetchError(error)})`)
  }
  if (response.status !== 200) {
    await response.body?.cancel()
    throw new InvalidClientError(`Fetching the client metadata document answered HTTP ${response.status}`)
  }
  if (!/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(response.headers.get('content-type') ?? '')) {
    await response.body?.cancel()
    throw new InvalidClientError('The client metadata document is not served as JSON')
  }
  try {
    return await readLimited(response, METADATA_DOCUMENT_MAX_BYTES)
  } catch (error) {
    if (error instanceof InvalidClientError) throw error
    throw new InvalidClientError(`Could not read the client metadata document (${describeFetchError(error)})`)
  }
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  if (Number(response.headers.get('content-length')) > maxBytes) {
    await response.body?.cancel()
    throw new InvalidClientError(`The client metadata document is larger than ${maxBytes} bytes`)
  }
  const reader = response.body?.getReader()
  if (!reader) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel()
      throw new InvalidClientError(`The client metadata document is larger than ${maxBytes} bytes`)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') {
    return `no answer within ${METADATA_DOCUMENT_FETCH_TIMEOUT_MS} ms`
  }
  return error instanceof Error ? error.message : String(error)
}
