import { pathToFileURL } from 'node:url'
import { z } from 'zod'
import { API_KEY_HEADER, startDemoMcpServer, type DemoMcpServer } from '#scripts/demo/mcp-server.ts'
import { startDemoOAuthServer } from '#scripts/demo/oauth-server.ts'
import { type DemoV2McpServer, startDemoV2McpServer } from '#scripts/demo/mcp-server-v2.ts'
import { type OidcMcpServer } from '#tests/servers/oidc-provider-server.ts'

// `tsx scripts/demo/start.ts`: the demo MCP servers a newcomer adds to Switchboard. The open one
// needs nothing; the second needs the X-Api-Key header (the default key is documented, not a secret);
// the third needs OAuth and has its own authorization server with a sign-in page (any name works); the
// fourth is open and speaks only MCP 2026-07-28 (the v2 server package, 2025-era clients refused).

export const DEFAULT_DEMO_API_KEY = 'demo-key-change-me'
/** How long a signal-triggered shutdown may take before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 5000

const PortSchema = z
  .string()
  .regex(/^\d+$/, 'must be a port number')
  .transform(Number)
  .pipe(z.int().min(1).max(65_535))

const DemoEnvSchema = z.object({
  DEMO_MCP_PORT: PortSchema.default(3101),
  DEMO_MCP_KEY_PORT: PortSchema.default(3102),
  DEMO_MCP_API_KEY: z.string().min(1).default(DEFAULT_DEMO_API_KEY),
  // Unset, they sit next to DEMO_MCP_PORT: 3103 and 3104 by default. A run that moves DEMO_MCP_PORT
  // (tests/playwright.config.ts, bench/run.ts) moves them too, so it never meets a running `npm run dev`.
  DEMO_MCP_OAUTH_PORT: PortSchema.optional(),
  DEMO_OAUTH_ISSUER_PORT: PortSchema.optional(),
  // Where the OAuth demo's pages link back to: the app's PUBLIC_URL (its default when unset).
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3000').transform((value) => new URL(value).origin),
  // Unset, DEMO_MCP_PORT + 4 (3105 by default).
  DEMO_MCP_2026_PORT: PortSchema.optional(),
})

export type DemoServersOptions = {
  /**
   * Default 127.0.0.1. NOTE: deliberately not the app's HOST: the open server should stay on loopback.
   * The OAuth demo always binds 127.0.0.1.
   */
  host?: string
  /** Default DEMO_MCP_PORT, else 3101. 0 picks a free port. */
  port?: number
  /** Default DEMO_MCP_KEY_PORT, else 3102. 0 picks a free port. */
  keyPort?: number
  /** Default DEMO_MCP_API_KEY, else the documented demo key. */
  apiKey?: string
  /** The OAuth demo's MCP server. Default DEMO_MCP_OAUTH_PORT, else `port` + 2 (3103). 0 picks a free port. */
  oauthPort?: number
  /** The OAuth demo's authorization server. Default DEMO_OAUTH_ISSUER_PORT, else `oauthPort` + 1 (3104). */
  oauthIssuerPort?: number
  /** Switchboard's address, linked from the OAuth demo's pages. Default PUBLIC_URL, else http://127.0.0.1:3000. */
  appUrl?: string
  /** The 2026-07-28-only demo. Default DEMO_MCP_2026_PORT, else `port` + 4 (3105). 0 picks a free port. */
  modernPort?: number
}

export type DemoServers = {
  open: DemoMcpServer
  withKey: DemoMcpServer
  /** The OAuth demo, or undefined when it could not start (a warning said why; the others run anyway). */
  oauth: OidcMcpServer | undefined
  /** Open, MCP 2026-07-28 only. */
  modern: DemoV2McpServer
  apiKey: string
  /** One line per server, for a console or a log. */
  describe(): string[]
  close(): Promise<void>
}

/**
 * Starts the open demo server, the API-key one and the OAuth one (ports and key from the environment
 * unless given). Throws a readable error when a port of the first two is taken or an environment
 * variable is malformed; the OAuth demo only warns, because the app is useful without it.
 */
export async function startDemoServers(options: DemoServersOptions = {}): Promise<DemoServers> {
  const parsed = DemoEnvSchema.safeParse(process.env)
  if (!parsed.success) throw new Error(`Demo MCP servers: bad environment: ${z.prettifyError(parsed.error)}`)
  const host = options.host ?? '127.0.0.1'
  const port = options.port ?? parsed.data.DEMO_MCP_PORT
  const keyPort = options.keyPort ?? parsed.data.DEMO_MCP_KEY_PORT
  const apiKey = options.apiKey ?? parsed.data.DEMO_MCP_API_KEY
  const oauthPort = options.oauthPort ?? parsed.data.DEMO_MCP_OAUTH_PORT ?? nextTo(port, 2)
  const oauthIssuerPort = options.oauthIssuerPort ?? parsed.data.DEMO_OAUTH_ISSUER_PORT ?? nextTo(oauthPort, 1)
  const open = await listenOrExplain(() => startDemoMcpServer({ host, port }), [port, 'DEMO_MCP_PORT'])
  // Before the API-key server, so whoever waits for that port (tests/playwright.config.ts) finds this one
  // settled too.
  const oauth = await startOAuthDemoOrWarn(
    { mcpPort: oauthPort, issuerPort: oauthIssuerPort, appUrl: options.appUrl ?? parsed.data.PUBLIC_URL },
    [port, keyPort],
  )
  const modernPort = options.modernPort ?? parsed.data.DEMO_MCP_2026_PORT ?? nextTo(port, 4)
  let modern: DemoV2McpServer
  let withKey: DemoMcpServer
  try {
    modern = await listenOrExplain(() => startDemoV2McpServer({ host, port: modernPort }), [modernPort, 'DEMO_MCP_2026_PORT'])
  } catch (error) {
    await Promise.all([open.close(), oauth?.close()])
    throw error
  }
  try {
    withKey = await listenOrExplain(
      () => startDemoMcpServer({ host, port: keyPort, apiKey }),
      [keyPort, 'DEMO_MCP_KEY_PORT'],
    )
  } catch (error) {
    await Promise.all([open.close(), oauth?.close(), modern.close()])
    throw error
  }
  // Only the documented default key is printed; a key someone chose is theirs to keep out of logs.
  const keyShown = apiKey === DEFAULT_DEMO_API_KEY ? DEFAULT_DEMO_API_KEY : '<value of DEMO_MCP_API_KEY>'
  return {
    open,
    withKey,
    oauth,
    modern,
    apiKey,
    describe: () => [
      `Demo MCP server (open):    ${open.url}  (legacy SSE: ${open.sseUrl})`,
      `Demo MCP server (API key): ${withKey.url}  needs header "${API_KEY_HEADER}: ${keyShown}"`,
      oauth
        ? `Demo MCP server (OAuth):   ${oauth.mcpUrl}  asks you to sign in at ${oauth.issuer} (any name works)`
        : 'Demo MCP server (OAuth):   not started (see the warning above)',
      `Demo MCP server (2026):    ${modern.url}  speaks only MCP 2026-07-28`,
    ],
    close: async () => {
      await Promise.all([open.close(), withKey.close(), oauth?.close(), modern.close()])
    },
  }
}

/** `port` + `offset`, or 0 (a free port) when `port` is 0. */
function nextTo(port: number, offset: number): number {
  return port === 0 ? 0 : port + offset
}

/** The OAuth demo is optional: when it cannot start, the others still run and a warning says why. */
async function startOAuthDemoOrWarn(
  ports: { mcpPort: number; issuerPort: number; appUrl: string },
  otherDemoPorts: number[],
): Promise<OidcMcpServer | undefined> {
  const named: [NamedPort, NamedPort] = [
    [ports.mcpPort, 'DEMO_MCP_OAUTH_PORT'],
    [ports.issuerPort, 'DEMO_OAUTH_ISSUER_PORT'],
  ]
  try {
    for (const [port, variable] of named) {
      // A derived port can run past the range, or land on the API-key server's port, which starts after this one.
      if (port > 65_535) throw new Error(`Port ${port} is out of range: set ${variable} to a port number.`)
      if (port !== 0 && otherDemoPorts.includes(port)) {
        throw new Error(`Port ${port} is taken by another demo server: set ${variable} to another port.`)
      }
    }
    return await listenOrExplain(() => startDemoOAuthServer(ports), ...named)
  } catch (error) {
    console.warn(`Demo MCP server (OAuth) not started: ${error instanceof Error ? error.message : String(error)}`)
    return undefined
  }
}

type NamedPort = [port: number, variable: string]

/** Runs `start`; a port already in use becomes an error that names the variable to change. */
async function listenOrExplain<T>(start: () => Promise<T>, ...ports: [NamedPort, ...NamedPort[]]): Promise<T> {
  try {
    return await start()
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
      // Node's listen error carries the port it tried; with two listeners that says which one to move.
      const triedPort = 'port' in error ? error.port : undefined
      const [port, variable] = ports.find(([candidate]) => candidate === triedPort) ?? ports[0]
      throw new Error(`Port ${port} is already in use: stop what uses it or set ${variable} to another port.`, {
        cause: error,
      })
    }
    throw error
  }
}

async function main() {
  const servers = await startDemoServers()
  for (const line of servers.describe()) console.log(line)
  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1) // a second Ctrl-C: don't wait any longer
    stopping = true
    console.log(`${signal}: stopping the demo MCP servers`)
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref()
    servers.close().then(
      () => {
        process.exitCode = 0
      },
      (error: unknown) => {
        console.error('Demo MCP servers did not close cleanly', error)
        process.exitCode = 1
      },
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    process.exitCode = 1
  })
}
