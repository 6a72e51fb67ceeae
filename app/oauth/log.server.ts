import { logger } from '#app/utils/logger.server.ts'

/** The outbound OAuth steps that leave one log line each (issue 9, point 12). */
export type OAuthStep =
  | 'discovery.resource_metadata'
  | 'discovery.authorization_server_metadata'
  | 'registration'
  | 'token_exchange'
  | 'refresh'
  | 'revocation'
  | 'revocation_skipped'

export type OAuthStepFields = {
  /** Null while a server is being added (the probe's detection): it has no id yet. */
  serverId: string | null
  /** The authorization server's issuer, when known at this step. */
  issuer: string | null
  /** The URL asked; only its host is logged. */
  endpoint: string | null
  /** A short word: `ok`, `not_found`, an OAuth error code, a problem code, or why a step was skipped. */
  outcome: string
  /** `performance.now()` when the step started; omitted for a step that sent nothing. */
  startedAt?: number
  /** `info` for what an operator should see without debug logging (a refresh ended by the server). */
  level?: 'debug' | 'info'
}

/** Origin and path of an issuer: an issuer has no query (RFC 8414 §2), but a careless one must not leak one. */
function safeIssuer(issuer: string | null): string | null {
  if (issuer === null) return null
  const cut = issuer.search(/[?#]/)
  return (cut === -1 ? issuer : issuer.slice(0, cut)).slice(0, 200)
}

function hostOf(endpoint: string | null): string | null {
  if (endpoint === null) return null
  try {
    return new URL(endpoint).host
  } catch {
    return null
  }
}

/**
 * Logs one outbound OAuth step: issuer, the endpoint's host, outcome and duration. Never a path,
 * query string, body or header, so no code, token or secret can reach the log through it.
 */
export function logOAuthStep(step: OAuthStep, fields: OAuthStepFields): void {
  const line = {
    oauthStep: step,
    serverId: fields.serverId,
    issuer: safeIssuer(fields.issuer),
    endpointHost: hostOf(fields.endpoint),
    outcome: fields.outcome,
    ...(fields.startedAt === undefined ? {} : { durationMs: Math.round(performance.now() - fields.startedAt) }),
  }
  logger[fields.level ?? 'debug'](line, `OAuth ${step}: ${fields.outcome}`)
}
