import { z } from 'zod'
import { AGENT_PREFIX_MAX_LENGTH, AGENT_PREFIX_PATTERN } from '#app/models/agent-prefix.ts'
import { TOKEN_AUTH_METHODS } from '#app/oauth/rules.ts'
import {
  SERVER_NAME_MAX_LENGTH,
  SERVER_URL_MAX_LENGTH,
  HEADER_NAME_MAX_LENGTH,
  HEADER_VALUE_MAX_LENGTH,
  SERVER_TIMEOUT_MIN_SECONDS,
  SERVER_TIMEOUT_MAX_SECONDS,
  SERVER_TIMEOUT_DEFAULT_SECONDS,
  TRANSPORTS,
  AUTH_TYPES,
  AUTH_TYPE_LABELS,
} from '#app/models/server-fields.ts'

// The fields' vocabulary lives with the rows (app/models/server-fields.ts); the forms' users import it from here too.
export {
  SERVER_NAME_MAX_LENGTH,
  SERVER_URL_MAX_LENGTH,
  HEADER_NAME_MAX_LENGTH,
  HEADER_VALUE_MAX_LENGTH,
  MAX_HEADERS_PER_SERVER,
  SERVER_TIMEOUT_MIN_SECONDS,
  SERVER_TIMEOUT_MAX_SECONDS,
  SERVER_TIMEOUT_DEFAULT_SECONDS,
  TRANSPORTS,
  type Transport,
  TRANSPORT_LABELS,
  AUTH_TYPES,
  type AuthType,
  AUTH_TYPE_LABELS,
} from '#app/models/server-fields.ts'

// Shared by the server forms (client-side constraints) and their actions (server-side parsing).
export const ServerNameSchema = z
  .string({ error: 'Enter a name for the server' })
  .trim()
  .min(1, 'Enter a name for the server')
  .max(SERVER_NAME_MAX_LENGTH, `Use at most ${SERVER_NAME_MAX_LENGTH} characters`)

export const ServerUrlSchema = z
  .string({ error: 'Enter the server’s MCP endpoint URL' })
  .trim()
  .min(1, 'Enter the server’s MCP endpoint URL')
  .max(SERVER_URL_MAX_LENGTH, `Use at most ${SERVER_URL_MAX_LENGTH} characters`)
  .refine((value) => {
    try {
      const url = new URL(value)
      return url.protocol === 'http:' || url.protocol === 'https:'
    } catch {
      return false
    }
  }, 'Enter an http:// or https:// URL, such as https://mcp.example.com/mcp')
  .refine((value) => {
    try {
      const url = new URL(value)
      return !url.username && !url.password
    } catch {
      return true
    }
  }, 'Do not put credentials in the URL; add them as a header instead')
  .refine((value) => {
    try {
      return !new URL(value).hash
    } catch {
      return true
    }
  }, 'Remove the #fragment from the URL')

export const TransportSchema = z.enum(TRANSPORTS, { error: 'Choose a transport' })
export const AuthTypeSchema = z.enum(AUTH_TYPES, { error: 'Choose how the server authenticates' })

export const TimeoutSecondsSchema = z.coerce
  .number({ error: 'Enter a number of seconds' })
  .int('Enter a whole number of seconds')
  .min(SERVER_TIMEOUT_MIN_SECONDS, `Use at least ${SERVER_TIMEOUT_MIN_SECONDS} second`)
  .max(SERVER_TIMEOUT_MAX_SECONDS, `Use at most ${SERVER_TIMEOUT_MAX_SECONDS} seconds`)

/** RFC 9110 token characters. */
const HEADER_NAME_PATTERN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/**
 * Headers Switchboard sets itself or that would change how the request is transported or
 * routed; an admin cannot override them. Authorization stays allowed: static API keys use it.
 */
const FORBIDDEN_HEADER_NAMES = new Set([
  'accept',
  'accept-encoding',
  'connection',
  'content-length',
  'content-type',
  'cookie',
  'expect',
  'host',
  'keep-alive',
  'last-event-id',
  'mcp-protocol-version',
  'mcp-session-id',
  'origin',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
])

export const HeaderNameSchema = z
  .string({ error: 'Enter the header name' })
  .trim()
  .min(1, 'Enter the header name')
  .max(HEADER_NAME_MAX_LENGTH, `Use at most ${HEADER_NAME_MAX_LENGTH} characters`)
  .regex(HEADER_NAME_PATTERN, 'A header name has only letters, digits and - (no spaces, colons or line breaks)')
  .refine(
    (name) => {
      const lower = name.toLowerCase()
      return !FORBIDDEN_HEADER_NAMES.has(lower) && !lower.startsWith('proxy-') && !lower.startsWith('sec-')
    },
    { message: 'Switchboard sets this header itself; choose another one' },
  )

export const HeaderValueSchema = z
  .string({ error: 'Enter the header value' })
  .min(1, 'Enter the header value')
  .max(HEADER_VALUE_MAX_LENGTH, `Use at most ${HEADER_VALUE_MAX_LENGTH} characters`)
  // Visible ASCII, space and tab only: no CR/LF (header injection) and nothing fetch would reject.
  .regex(/^[\t\x20-\x7e]+$/, 'A header value is one line of plain text (no line breaks or special characters)')
  .refine((value) => value.trim().length > 0, 'Enter the header value')

/** Milliseconds for a timeout typed in seconds. */
export function secondsToMs(seconds: number): number {
  return seconds * 1000
}

export const AUTH_CHOICES = ['detect', ...AUTH_TYPES] as const
export const AUTH_CHOICE_LABELS: Record<(typeof AUTH_CHOICES)[number], string> = {
  detect: 'Detect automatically',
  ...AUTH_TYPE_LABELS,
}

/**
 * The two ways into a server that "needs credentials" (probe outcome `credentials_required`):
 * static headers, or OAuth as an MCP 2025-03-26 server (exception `legacy_discovery`).
 */
export const CREDENTIAL_KINDS = ['headers', 'oauth-legacy'] as const
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number]
export const CREDENTIAL_KIND_LABELS: Record<CredentialKind, { label: string; help: string }> = {
  headers: {
    label: 'An API key or other header',
    help: 'You add the header (e.g. Authorization or X-Api-Key) on the server’s page; everyone in the workspace uses it.',
  },
  'oauth-legacy': {
    label: 'Sign in with OAuth (MCP 2025-03-26 server)',
    help: 'Each person connects with their own account. The server’s address is taken as its authorization server.',
  },
}

// The OAuth client fields: one set of rules for the server page's OAuth settings and the add form's Advanced section.
export const OAUTH_CLIENT_ID_MAX_LENGTH = 500
export const OAUTH_CLIENT_SECRET_MAX_LENGTH = 2000
export const OAUTH_SCOPES_MAX_LENGTH = 2000
export const OAuthClientIdSchema = z
  .string({ error: 'Enter the client ID' })
  .trim()
  .min(1, 'Enter the client ID')
  .max(OAUTH_CLIENT_ID_MAX_LENGTH, 'The client ID is too long')
export const OAuthClientSecretSchema = z.string().max(OAUTH_CLIENT_SECRET_MAX_LENGTH, 'The client secret is too long')
export const TokenAuthMethodSchema = z.enum(TOKEN_AUTH_METHODS, { error: 'Choose how Switchboard authenticates' })
/** RFC 6749 §3.3 scope tokens, space-separated; normalise with `normalizeScopes`. */
export const OAuthScopesSchema = z
  .string()
  .max(OAUTH_SCOPES_MAX_LENGTH, 'Too many scopes')
  .regex(/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/, 'Scopes are separated by spaces and use no quotes or backslashes')

/** The pre-registered client form of the server page. */
export const OAuthClientFormSchema = z.object({
  clientId: OAuthClientIdSchema,
  clientSecret: OAuthClientSecretSchema.optional(),
  authMethod: TokenAuthMethodSchema,
})
export type OAuthClientForm = z.infer<typeof OAuthClientFormSchema>

export const CLIENT_SECRET_MISSING_MESSAGE = 'Enter the client secret (or choose “none” for a public client).'

/** A confidential client needs a secret: true when one is missing (and none is stored to keep). */
export function isClientSecretMissing(client: { authMethod: string; clientSecret?: string | null }, keepsStoredSecret = false): boolean {
  return client.authMethod !== 'none' && !client.clientSecret && !keepsStoredSecret
}

/** Scopes as stored: single spaces, no empty entries. */
export function normalizeScopes(scopes: string): string {
  return scopes.trim().split(/\s+/).filter(Boolean).join(' ')
}

/** The add/edit server form. The server action adds the database checks (unique name). */
export const ServerFormSchema = z.object({
  name: ServerNameSchema,
  url: ServerUrlSchema,
  transport: TransportSchema.default('auto'),
  authType: z.enum(AUTH_CHOICES, { error: 'Choose how the server authenticates' }).default('detect'),
  timeoutSeconds: TimeoutSecondsSchema.default(SERVER_TIMEOUT_DEFAULT_SECONDS),
  /** Checkbox on the edit form: "on" when ticked. */
  enabled: z
    .literal('on')
    .optional()
    .transform((value) => value === 'on'),
  /** Ticked to save although the probe could not reach the server (it may be down right now). */
  saveUnreachable: z
    .literal('on')
    .optional()
    .transform((value) => value === 'on'),
  /** Asked only when the probe says "needs credentials" and authentication is detected. */
  credentialKind: z.enum(CREDENTIAL_KINDS, { error: 'Choose how to sign in to this server' }).optional(),
})
export type ServerForm = z.infer<typeof ServerFormSchema>

/**
 * The add form: the shared fields plus its Advanced section (a pre-registered OAuth client and
 * the scopes to request), checked by the same field rules as the server page's OAuth settings.
 */
export const AddServerFormSchema = ServerFormSchema.extend({
  clientId: OAuthClientIdSchema.optional(),
  clientSecret: OAuthClientSecretSchema.optional(),
  authMethod: TokenAuthMethodSchema.default('client_secret_basic'),
  scopes: OAuthScopesSchema.transform(normalizeScopes).optional(),
}).superRefine((value, ctx) => {
  if (!value.clientId && value.clientSecret) {
    ctx.addIssue({ code: 'custom', path: ['clientId'], message: 'Enter the client ID that goes with this secret' })
  }
  if (value.clientId && isClientSecretMissing({ authMethod: value.authMethod, clientSecret: value.clientSecret })) {
    ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: CLIENT_SECRET_MISSING_MESSAGE })
  }
})
export type AddServerForm = z.infer<typeof AddServerFormSchema>

export const HeaderFormSchema = z.object({ headerName: HeaderNameSchema, headerValue: HeaderValueSchema })

/**
 * "Did you mean …/mcp?" is a link back to the add or edit form with the suggested URL (and what
 * else the admin typed, never a secret) in the query: the form opens filled in, with JS or without.
 */
export const PREFILL_FIELDS = ['url', 'name', 'transport', 'authType', 'timeoutSeconds'] as const
const PrefillSchema = z.object({
  url: z.string().max(SERVER_URL_MAX_LENGTH).optional().catch(undefined),
  name: z.string().max(SERVER_NAME_MAX_LENGTH).optional().catch(undefined),
  transport: TransportSchema.optional().catch(undefined),
  authType: z.enum(AUTH_CHOICES).optional().catch(undefined),
  timeoutSeconds: z.string().max(8).optional().catch(undefined),
})
export type ServerPrefill = z.infer<typeof PrefillSchema>

/** The form values a "Did you mean" link carries (unknown or malformed ones are dropped). */
export function prefillFrom(search: URLSearchParams): ServerPrefill {
  const raw = Object.fromEntries(PREFILL_FIELDS.map((name) => [name, search.get(name) ?? undefined]))
  const parsed = PrefillSchema.parse(raw)
  return Object.fromEntries(Object.entries(parsed).filter(([, value]) => value !== undefined))
}

/** The query of a "Did you mean" link: the suggested URL with the other values of the form as typed. */
export function prefillQuery(url: string, values: Partial<Record<(typeof PREFILL_FIELDS)[number], unknown>>): string {
  const query = new URLSearchParams()
  for (const name of PREFILL_FIELDS) {
    const value = name === 'url' ? url : values[name]
    if (typeof value === 'string' && value !== '') query.set(name, value)
  }
  return `?${query.toString()}`
}

/** An agent tool prefix as an admin types it (app/models/agent-prefix.ts); empty means "derive it from the name". */
export const AgentPrefixSchema = z
  .string()
  .trim()
  .max(AGENT_PREFIX_MAX_LENGTH, `Use at most ${AGENT_PREFIX_MAX_LENGTH} characters`)
  .regex(AGENT_PREFIX_PATTERN, 'Use lower-case letters, digits and hyphens (not at the start or end), such as linear or github-eu')
