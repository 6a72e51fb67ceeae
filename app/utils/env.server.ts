import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { z } from 'zod'

/**
 * Configuration, parsed from process.env once. In production every secret must be set;
 * in development and test the secrets are generated once into DATA_DIR (mode 0600) so the
 * README's first command works on a fresh machine.
 */

const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,16}$/

/** `kid:base64` entries, comma separated; the first one encrypts, all of them decrypt. */
const EncryptionKeysSchema = z
  .string()
  .trim()
  .min(1)
  .transform((value, ctx) => {
    const keys: Array<{ id: string; key: Buffer }> = []
    for (const entry of value.split(',').map((part) => part.trim())) {
      const [id, material, ...rest] = entry.split(':')
      const key = material ? Buffer.from(material, 'base64') : Buffer.alloc(0)
      if (!id || !KEY_ID_PATTERN.test(id) || rest.length > 0 || key.length !== 32) {
        ctx.addIssue({
          code: 'custom',
          message:
            'ENCRYPTION_KEYS must be a comma-separated list of "id:base64" entries, each key 32 bytes (openssl rand -base64 32), ids of 1-16 letters, digits, - or _',
        })
        return z.NEVER
      }
      if (keys.some((k) => k.id === id)) {
        ctx.addIssue({ code: 'custom', message: `ENCRYPTION_KEYS has the key id "${id}" twice` })
        return z.NEVER
      }
      keys.push({ id, key })
    }
    return keys
  })

export type EncryptionKey = { id: string; key: Buffer }

/** In development the demo MCP servers run on loopback. */
const DEVELOPMENT_OUTBOUND_ALLOWED = '127.0.0.0/8,::1/128,localhost'

const EnvSchema = z.object({
  NODE_ENV: z.enum(['production', 'development', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^(file:|postgres(ql)?:\/\/)/, 'DATABASE_URL must start with file: or postgresql://')
    .optional(),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'PUBLIC_URL must be an http(s) origin such as https://switchboard.example.com' })
    .default('http://127.0.0.1:3000')
    .transform((value) => new URL(value).origin),
  /**
   * Where authorization servers fetch Switchboard's OAuth Client ID Metadata Document. Defaults to
   * PUBLIC_URL + /oauth/client-metadata.json; set it when the document is hosted elsewhere. It must
   * be https with a path, or the document is not offered (Dynamic Client Registration is used).
   */
  OAUTH_CLIENT_METADATA_URL: z
    .url({ protocol: /^https$/, error: 'OAUTH_CLIENT_METADATA_URL must be an https URL with a path' })
    .refine((value) => new URL(value).pathname !== '/', 'OAUTH_CLIENT_METADATA_URL must have a path')
    .optional(),
  /**
   * Time limit of each request to an authorization server (metadata, registration, token, revocation).
   * A refresh tries up to three times; a Disconnect sends up to two revocations.
   */
  OAUTH_TIMEOUT_MS: z.coerce.number().int().min(1000).max(60_000).default(10_000),
  SESSION_SECRET: z.string().min(32, 'SESSION_SECRET must be at least 32 characters').optional(),
  ENCRYPTION_KEYS: EncryptionKeysSchema.optional(),
  /**
   * Exceptions to the outbound rules (guarded-fetch.server.ts), comma separated: CIDRs
   * ("10.0.0.0/8", "::1/128"), single addresses, or exact host names ("mcp.internal").
   * Development defaults to loopback so the demo servers work; production to none.
   */
  OUTBOUND_ALLOWED_NETWORKS: z.string().trim().optional(),
  /**
   * Largest request body the HTTP layer reads before Remix sees it (app/server/request-body.ts): 1 MiB by
   * default, 64 KiB to 16 MiB. Tool runs may send four times this (their arguments can be long).
   */
  MAX_REQUEST_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024, 'MAX_REQUEST_BODY_BYTES must be at least 65536 (64 KiB): the forms of the app need that much')
    .max(16 * 1024 * 1024, 'MAX_REQUEST_BODY_BYTES must be at most 16777216 (16 MiB)')
    .default(1024 * 1024),
  /**
   * Requests one person's app may make at the workspace MCP endpoints per minute (app/gateway/rate-limit.server.ts),
   * counted in the database across instances; beyond it, 429 with Retry-After.
   */
  AGENT_REQUESTS_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(10, 'AGENT_REQUESTS_PER_MINUTE must be at least 10')
    .max(1_000_000, 'AGENT_REQUESTS_PER_MINUTE must be at most 1000000')
    .default(600),
  /** How many proxies in front of the app may set X-Forwarded-For (0 = use the socket address). */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
})

export type Env = Omit<
  z.infer<typeof EnvSchema>,
  'SESSION_SECRET' | 'ENCRYPTION_KEYS' | 'DATABASE_URL' | 'OUTBOUND_ALLOWED_NETWORKS'
> & {
  DATABASE_URL: string
  /** Parsed OUTBOUND_ALLOWED_NETWORKS entries (CIDRs, addresses, host names), trimmed, never empty strings. */
  OUTBOUND_ALLOWED_NETWORKS: string[]
  SESSION_SECRET: string
  ENCRYPTION_KEYS: EncryptionKey[]
  /** True when PUBLIC_URL is https: cookies then carry Secure. */
  secureCookies: boolean
  /** Which generated secrets were written to disk by this start (for the start-up log). */
  generatedSecrets: string[]
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

const GeneratedSecretsSchema = z.object({
  SESSION_SECRET: z.string().min(32),
  ENCRYPTION_KEYS: z.string().min(1),
})

function loadOrCreateDevSecrets(dataDir: string): { secrets: z.infer<typeof GeneratedSecretsSchema>; created: boolean } {
  const file = path.join(dataDir, 'dev-secrets.json')
  if (fs.existsSync(file)) {
    return { secrets: GeneratedSecretsSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8'))), created: false }
  }
  const secrets = {
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    ENCRYPTION_KEYS: `dev1:${randomBytes(32).toString('base64')}`,
  }
  fs.mkdirSync(dataDir, { recursive: true })
  // 'wx' fails if another process won the race; read theirs instead.
  try {
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600, flag: 'wx' })
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'EEXIST') return loadOrCreateDevSecrets(dataDir)
    throw error
  }
  return { secrets, created: true }
}

/** Parses an environment (process.env by default). Throws ConfigError with every problem listed. */
export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = EnvSchema.safeParse(source)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `- ${issue.path.join('.') || 'env'}: ${issue.message}`)
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`)
  }
  const env = parsed.data
  const dataDir = path.resolve(env.DATA_DIR)
  let sessionSecret = env.SESSION_SECRET
  let encryptionKeys = env.ENCRYPTION_KEYS
  const generatedSecrets: string[] = []
  if (!sessionSecret || !encryptionKeys) {
    if (env.NODE_ENV === 'production') {
      const missing = [!sessionSecret && 'SESSION_SECRET', !encryptionKeys && 'ENCRYPTION_KEYS'].filter(Boolean)
      throw new ConfigError(
        `Refusing to start in production without ${missing.join(' and ')}. See "Configuration" in README.md.`,
      )
    }
    const { secrets, created } = loadOrCreateDevSecrets(dataDir)
    if (!sessionSecret) {
      sessionSecret = secrets.SESSION_SECRET
      if (created) generatedSecrets.push('SESSION_SECRET')
    }
    if (!encryptionKeys) {
      encryptionKeys = EncryptionKeysSchema.parse(secrets.ENCRYPTION_KEYS)
      if (created) generatedSecrets.push('ENCRYPTION_KEYS')
    }
  }
  return {
    ...env,
    DATA_DIR: dataDir,
    DATABASE_URL: env.DATABASE_URL ?? `file:${path.join(dataDir, 'switchboard.db')}`,
    OUTBOUND_ALLOWED_NETWORKS: (
      env.OUTBOUND_ALLOWED_NETWORKS ?? (env.NODE_ENV === 'development' ? DEVELOPMENT_OUTBOUND_ALLOWED : '')
    )
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
    SESSION_SECRET: sessionSecret,
    ENCRYPTION_KEYS: encryptionKeys,
    secureCookies: env.PUBLIC_URL.startsWith('https:'),
    generatedSecrets,
  }
}

let cached: Env | undefined

/** The process configuration, parsed on first use. Throws ConfigError when it is invalid. */
export function getEnv(): Env {
  cached ??= parseEnv()
  return cached
}
