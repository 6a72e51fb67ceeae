import { pathToFileURL } from 'node:url'
import { z } from 'zod'
import { API_KEY_HEADER, startDemoMcpServer, type DemoMcpServer } from '#scripts/demo/mcp-server.ts'

// `tsx scripts/demo/start.ts`: the two demo MCP servers a newcomer adds to Switchboard. The open one
// needs nothing; the other needs the X-Api-Key header. The default key is documented, not a secret.

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
})

export type DemoServersOptions = {
  /** Default 127.0.0.1. NOTE: deliberately not the app's HOST: the open server should stay on loopback. */
  host?: string
  /** Default DEMO_MCP_PORT, else 3101. 0 picks a free port. */
  port?: number
  /** Default DEMO_MCP_KEY_PORT, else 3102. 0 picks a free port. */
  keyPort?: number
  /** Default DEMO_MCP_API_KEY, else the documented demo key. */
  apiKey?: string
}

export type DemoServers = {
  open: DemoMcpServer
  withKey: DemoMcpServer
  apiKey: string
  /** One line per server, for a console or a log. */
  describe(): string[]
  close(): Promise<void>
}

/**
 * Starts the open demo server and the API-key one (ports and key from the environment unless given).
 * Throws a readable error when a port is taken or an environment variable is malformed.
 */
export async function startDemoServers(options: DemoServersOptions = {}): Promise<DemoServers> {
  const parsed = DemoEnvSchema.safeParse(process.env)
  if (!parsed.success) throw new Error(`Demo MCP servers: bad environment: ${z.prettifyError(parsed.error)}`)
  const host = options.host ?? '127.0.0.1'
  const port = options.port ?? parsed.data.DEMO_MCP_PORT
  const keyPort = options.keyPort ?? parsed.data.DEMO_MCP_KEY_PORT
  const apiKey = options.apiKey ?? parsed.data.DEMO_MCP_API_KEY
  const open = await listenOrExplain(port, 'DEMO_MCP_PORT', () => startDemoMcpServer({ host, port }))
  let withKey: DemoMcpServer
  try {
    withKey = await listenOrExplain(keyPort, 'DEMO_MCP_KEY_PORT', () =>
      startDemoMcpServer({ host, port: keyPort, apiKey }),
    )
  } catch (error) {
    await open.close()
    throw error
  }
  // Only the documented default key is printed; a key someone chose is theirs to keep out of logs.
  const keyShown = apiKey === DEFAULT_DEMO_API_KEY ? DEFAULT_DEMO_API_KEY : '<value of DEMO_MCP_API_KEY>'
  return {
    open,
    withKey,
    apiKey,
    describe: () => [
      `Demo MCP server (open):    ${open.url}  (legacy SSE: ${open.sseUrl})`,
      `Demo MCP server (API key): ${withKey.url}  needs header "${API_KEY_HEADER}: ${keyShown}"`,
    ],
    close: async () => {
      await Promise.all([open.close(), withKey.close()])
    },
  }
}

async function listenOrExplain(port: number, variable: string, start: () => Promise<DemoMcpServer>) {
  try {
    return await start()
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
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
