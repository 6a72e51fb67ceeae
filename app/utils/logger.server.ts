import { createRequire } from 'node:module'
import pino from 'pino'
import { getRequestContext } from '#app/utils/request-context.server.ts'

/**
 * Paths whose values are never logged. Objects passed to the logger are matched by key
 * name at any of these positions; the values become "[redacted]".
 */
export const REDACTED_PATHS = [
  'password',
  'passwordHash',
  'token',
  'accessToken',
  'refreshToken',
  'access_token',
  'refresh_token',
  'id_token',
  'clientSecret',
  'client_secret',
  'code',
  'code_verifier',
  'codeVerifier',
  'state',
  'cookie',
  'authorization',
  'headers.cookie',
  'headers.authorization',
  'headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.access_token',
  '*.refresh_token',
  '*.clientSecret',
  '*.client_secret',
  '*.code',
  '*.code_verifier',
  '*.codeVerifier',
  '*.state',
  '*.cookie',
  '*.authorization',
  '*.headers.cookie',
  '*.headers.authorization',
  '*.headers["set-cookie"]',
]

/**
 * Paths under which the query string is dropped before logging: OAuth callbacks carry
 * `code` and `state` there (STYLE.md: never log full callback URLs). Any other path keeps
 * its query string only when it carries no parameter named like a secret.
 */
const CALLBACK_PATH_PATTERN = /\/(oauth|callback)/i
const INVITE_PATH_PATTERN = /\/invite\/[^/?#]+/i
const SECRET_QUERY_PARAM = /(^|[?&])(code|state|token|access_token|refresh_token|id_token|client_secret|session)=/i

/** A URL or path made safe to log: callback query strings and secret-looking parameters removed. */
export function redactUrl(rawUrl: string): string {
  // An invite link's token is its path: it never reaches a log line.
  const url = rawUrl.replace(INVITE_PATH_PATTERN, '/invite/[redacted]')
  const queryStart = url.indexOf('?')
  if (queryStart === -1) return url
  const pathPart = url.slice(0, queryStart)
  const query = url.slice(queryStart)
  if (CALLBACK_PATH_PATTERN.test(pathPart) || SECRET_QUERY_PARAM.test(query)) return `${pathPart}?[redacted]`
  return url
}

function createLogger() {
  const level = process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info')
  const options: pino.LoggerOptions = {
    level,
    base: undefined,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // Every line written during a request carries its id.
    mixin: () => {
      const context = getRequestContext()
      return context ? { requestId: context.requestId } : {}
    },
    serializers: { err: pino.stdSerializers.err },
  }
  // NODE_ENV unset means development (app/utils/env.server.ts), as under `npm run dev`.
  const development = (process.env.NODE_ENV ?? 'development') === 'development'
  return development && process.env.LOG_FORMAT !== 'json' ? pino(options, prettyStream()) : pino(options)
}

/**
 * Readable lines for a person at the terminal in development (LOG_FORMAT=json keeps JSON). pino-pretty is a
 * devDependency: required at run time, in development only, so the production bundle never imports it.
 */
function prettyStream(): pino.DestinationStream {
  const require = createRequire(import.meta.url)
  const pretty: (options: Record<string, unknown>) => pino.DestinationStream = require('pino-pretty')
  return pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', singleLine: true, sync: true })
}

export type Logger = pino.Logger

const LOGGER_KEY = Symbol.for('switchboard.logger')
const holder = globalThis as typeof globalThis & { [LOGGER_KEY]?: Logger }

/** The structured logger (pino): JSON lines on stdout, secrets redacted, request id attached. */
export const logger: Logger = (holder[LOGGER_KEY] ??= createLogger())
