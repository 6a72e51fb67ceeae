import type {
  ClientKind as DbClientKind,
  ConnectionStatus as DbConnectionStatus,
  TokenAuthMethod as DbTokenAuthMethod,
} from '#app/generated/prisma-sqlite/enums.ts'

/**
 * Named exceptions to the strict OAuth rules, enabled by an admin per server for
 * authorization servers that break them. Each one in force is shown on the server page and
 * recorded in the audit log when toggled. Shared by server code and the UI.
 */
export const OAUTH_EXCEPTIONS = {
  omit_resource: {
    label: 'Do not send the resource parameter',
    help: 'For authorization servers that reject RFC 8707 resource indicators (e.g. Microsoft Entra ID). Tokens may then be valid for other services too.',
  },
  assume_pkce_s256: {
    label: 'Use PKCE S256 although the metadata does not list it',
    help: 'For authorization servers whose metadata omits code_challenge_methods_supported. PKCE is still sent.',
  },
  legacy_discovery: {
    label: 'MCP 2025-03-26 discovery (no protected-resource metadata)',
    help: 'For servers without protected-resource metadata: the MCP server’s origin is the authorization server, with /authorize, /token and /register when it publishes no metadata.',
  },
} as const satisfies Record<string, { label: string; help: string }>

export type OAuthException = keyof typeof OAUTH_EXCEPTIONS

export const OAUTH_EXCEPTION_NAMES = Object.keys(OAUTH_EXCEPTIONS) as OAuthException[]

export function isOAuthException(value: unknown): value is OAuthException {
  return typeof value === 'string' && Object.hasOwn(OAUTH_EXCEPTIONS, value)
}

/** The stored comma-separated list, known names only, in a stable order. */
export function parseOAuthExceptions(stored: string | null | undefined): OAuthException[] {
  const names = new Set((stored ?? '').split(',').map((name) => name.trim()))
  return OAUTH_EXCEPTION_NAMES.filter((name) => names.has(name))
}

export function serializeOAuthExceptions(exceptions: Iterable<OAuthException>): string {
  const set = new Set(exceptions)
  return OAUTH_EXCEPTION_NAMES.filter((name) => set.has(name)).join(',')
}

/** How a connection's client is identified at the authorization server. */
export const CLIENT_KIND_LABELS = {
  preregistered: 'Pre-registered client',
  metadata_document: 'Client ID Metadata Document',
  dynamic: 'Dynamic Client Registration',
} as const satisfies Record<DbClientKind, string>

export type ClientKind = keyof typeof CLIENT_KIND_LABELS

// Checked against the TokenAuthMethod enum of prisma/models.prisma both ways: `satisfies` refuses
// a value it lacks, and reading a stored method into this type fails to compile if one is missing.
export const TOKEN_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const satisfies readonly DbTokenAuthMethod[]
export type TokenAuthMethod = (typeof TOKEN_AUTH_METHODS)[number]

export const CONNECTION_STATUS_LABELS = {
  connected: 'Connected',
  needs_reauth: 'Sign-in needed',
  error: 'Error',
} as const satisfies Record<DbConnectionStatus, string>
