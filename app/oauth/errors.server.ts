import { OAuthError } from '@modelcontextprotocol/sdk/server/auth/errors.js'
import { findGuardedFetchError } from '#app/utils/guarded-fetch-errors.server.ts'

/**
 * Something in an OAuth exchange went wrong, with a sentence that says what to do.
 * `retryable` failures (network, timeout, 5xx, temporarily_unavailable) never cost anyone
 * their tokens. The message never holds a token, code, verifier or secret.
 */
export class OAuthProblem extends Error {
  override name = 'OAuthProblem'
  constructor(
    /** An OAuth error code (`invalid_grant`, …) or one of ours (`discovery_failed`, `network`, …). */
    readonly code: string,
    message: string,
    readonly options: { status?: number; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause })
  }
  get status(): number {
    return this.options.status ?? 502
  }
  get retryable(): boolean {
    return this.options.retryable ?? false
  }
}

const MAX_DESCRIPTION = 200

/** An authorization server's own words, shortened and stripped of anything that is not plain text. */
export function shortDescription(text: string | null | undefined): string {
  if (!text) return ''
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim()
  return clean.length > MAX_DESCRIPTION ? `${clean.slice(0, MAX_DESCRIPTION)}…` : clean
}

/**
 * The authorization server's own words, quoted after our sentence: one closing full stop, not
 * two ("…connect.”.)" read badly), since its description usually ends with its own.
 */
export function theServerSaid(description: string): string {
  const detail = shortDescription(description)
  if (!detail) return ''
  return ` (The authorization server said: “${detail}”${/[.!?…]$/.test(detail) ? '' : '.'})`
}

/** What an OAuth error code means for the person in front of the screen, and what to do. */
export function explainOAuthError(code: string, context: { redirectUri?: string } = {}): string {
  switch (code) {
    case 'access_denied':
      return 'Access was not granted (you declined, or the authorization server refused). Nothing was connected; you can try again.'
    case 'invalid_target':
      return 'The authorization server refused the resource indicator for this server. If it does not support resource indicators (e.g. Microsoft Entra ID), an admin can enable the exception “Do not send the resource parameter” on this server.'
    case 'invalid_scope':
      return 'The authorization server refused the requested scopes. An admin can set the scopes to request on this server’s page.'
    case 'unauthorized_client':
      return 'The authorization server does not allow Switchboard’s client to sign in this way. An admin should check the client registration (allowed grant types and redirect URI).'
    case 'invalid_client':
      return 'The authorization server did not accept Switchboard’s client credentials. An admin should check the client ID and secret on this server’s page (or remove them so Switchboard registers itself).'
    case 'redirect_uri_mismatch':
      return `The authorization server does not accept Switchboard’s redirect URI${context.redirectUri ? ` (${context.redirectUri})` : ''}. An admin should register it with the authorization server.`
    case 'invalid_grant':
      return 'The sign-in was not accepted: it expired, was already used, or was revoked. Connect again.'
    case 'temporarily_unavailable':
    case 'server_error':
      return 'The authorization server is temporarily unavailable. Try again in a few minutes.'
    case 'interaction_required':
    case 'login_required':
    case 'consent_required':
      return 'The authorization server needs you to sign in again. Connect again.'
    default:
      return `The authorization server answered with the error “${shortDescription(code)}”. Try again, or ask an admin to check this server’s settings.`
  }
}

/** True for failures that say nothing about the tokens themselves: try again later. */
export function isTransient(error: unknown): boolean {
  if (error instanceof OAuthProblem) return error.retryable
  if (error instanceof OAuthError) return error.errorCode === 'server_error' || error.errorCode === 'temporarily_unavailable'
  return true
}

/** Turns what an SDK OAuth call threw into an OAuthProblem, naming the step that failed. */
export function toOAuthProblem(error: unknown, step: string, context: { redirectUri?: string } = {}): OAuthProblem {
  if (error instanceof OAuthProblem) return error
  if (error instanceof OAuthError) {
    const code = error.errorCode
    const redirectMismatch = code === 'invalid_request' && /redirect/i.test(error.message)
    const effective = redirectMismatch ? 'redirect_uri_mismatch' : code
    return new OAuthProblem(effective, explainOAuthError(effective, context), {
      status: code === 'temporarily_unavailable' || code === 'server_error' ? 503 : 502,
      retryable: code === 'temporarily_unavailable' || code === 'server_error',
      cause: error,
    })
  }
  const guarded = findGuardedFetchError(error)
  if (guarded?.reason === 'too_large') {
    // An unusable answer says nothing about the tokens (ADR 010): retryable, so a refresh keeps them.
    return new OAuthProblem('too_large', `The authorization server answered with more data than Switchboard accepts during ${step} (${guarded.message}). Ask an admin to check this server.`, {
      status: 502,
      retryable: true,
      cause: error,
    })
  }
  if (guarded) {
    const timeout = guarded.reason === 'timeout' || guarded.reason === 'connect_timeout'
    const refused = guarded.reason === 'blocked_address' || guarded.reason === 'bad_scheme' || guarded.reason === 'unsafe_redirect' || guarded.reason === 'bad_url'
    return new OAuthProblem(
      refused ? 'blocked' : timeout ? 'timeout' : 'network',
      refused
        ? `Switchboard refused to contact the authorization server during ${step}: ${guarded.message}`
        : timeout
          ? `The authorization server did not answer in time during ${step}. Try again in a few minutes.`
          : `Could not reach the authorization server during ${step}: ${guarded.message}`,
      { status: timeout ? 504 : 502, retryable: !refused, cause: error },
    )
  }
  const message = error instanceof Error ? error.message : String(error)
  // The SDK reports an HTTP failure without an OAuth error body as "HTTP 500 …" or a JSON parse error.
  const status = /HTTP (\d{3})/.exec(message)?.[1]
  if (status && Number(status) >= 500) {
    return new OAuthProblem('server_error', explainOAuthError('server_error'), { status: 503, retryable: true, cause: error })
  }
  return new OAuthProblem(
    'protocol_error',
    `The authorization server gave an answer Switchboard could not use during ${step}. Try again, or ask an admin to check this server.`,
    { status: 502, retryable: !status, cause: error },
  )
}

