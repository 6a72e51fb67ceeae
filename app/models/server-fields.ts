// A server's fields: their closed sets, labels and limits. The vocabulary of the server rows
// (app/models) and of the forms that edit them (app/servers/validation.ts), shown in the browser too.
export const SERVER_NAME_MAX_LENGTH = 60
export const SERVER_URL_MAX_LENGTH = 2048
export const HEADER_NAME_MAX_LENGTH = 100
export const HEADER_VALUE_MAX_LENGTH = 4096
export const MAX_HEADERS_PER_SERVER = 20
export const SERVER_TIMEOUT_MIN_SECONDS = 1
export const SERVER_TIMEOUT_MAX_SECONDS = 120
export const SERVER_TIMEOUT_DEFAULT_SECONDS = 30

export const TRANSPORTS = ['auto', 'streamable-http', 'sse'] as const
export type Transport = (typeof TRANSPORTS)[number]
export const TRANSPORT_LABELS: Record<Transport, string> = {
  auto: 'Automatic (Streamable HTTP, falling back to HTTP+SSE)',
  'streamable-http': 'Streamable HTTP only',
  sse: 'HTTP+SSE only (legacy)',
}

export const AUTH_TYPES = ['none', 'headers', 'oauth'] as const
export type AuthType = (typeof AUTH_TYPES)[number]
export const AUTH_TYPE_LABELS: Record<AuthType, string> = {
  none: 'No authentication',
  headers: 'Static headers (API key)',
  oauth: 'OAuth (each person connects)',
}
