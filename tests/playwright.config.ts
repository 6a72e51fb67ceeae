import path from 'node:path'
import { defineConfig, devices } from '@playwright/test'

// The browser tests run against the production build on its own port and database.
// These values are read by the server (webServer.env) and by the test workers, which use
// the app's own session code to sign users in (tests/fixtures.ts).
const PORT = Number(process.env.E2E_PORT ?? 3100)
const e2eDir = path.resolve('tests/.tmp/e2e')
const env = {
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  PORT: String(PORT),
  PUBLIC_URL: `http://127.0.0.1:${PORT}`,
  DATA_DIR: e2eDir,
  DATABASE_URL: `file:${path.join(e2eDir, 'e2e.db')}`,
  SESSION_SECRET: 'e2e-session-secret-0123456789abcdef0123456789',
  ENCRYPTION_KEYS: `e2e1:${Buffer.alloc(32, 9).toString('base64')}`,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  // The demo MCP servers below listen on 127.0.0.1; nothing else private is reachable.
  OUTBOUND_ALLOWED_NETWORKS: '127.0.0.1/32',
}
/** The demo MCP servers the journeys add (scripts/demo/start.ts). */
export const DEMO_PORT = Number(process.env.E2E_DEMO_PORT ?? 3201)
export const DEMO_KEY_PORT = DEMO_PORT + 1
export const DEMO_API_KEY = 'e2e-demo-key-4711'
/** The OAuth demo: an MCP server and its own authorization server (oidc-provider, with sign-in and consent pages). */
export const DEMO_OAUTH_PORT = DEMO_PORT + 2
export const DEMO_OAUTH_ISSUER_PORT = DEMO_PORT + 3
/** The demo that speaks only MCP 2026-07-28 (scripts/demo/mcp-server-v2.ts). */
export const DEMO_2026_PORT = DEMO_PORT + 4
const demoEnv = {
  DEMO_MCP_PORT: String(DEMO_PORT),
  DEMO_MCP_KEY_PORT: String(DEMO_KEY_PORT),
  DEMO_MCP_API_KEY: DEMO_API_KEY,
  // Explicit, although start.ts derives the same ports: the tests name these URLs.
  DEMO_MCP_OAUTH_PORT: String(DEMO_OAUTH_PORT),
  DEMO_OAUTH_ISSUER_PORT: String(DEMO_OAUTH_ISSUER_PORT),
  DEMO_MCP_2026_PORT: String(DEMO_2026_PORT),
}
Object.assign(process.env, {
  E2E_DEMO_URL: `http://127.0.0.1:${DEMO_PORT}/mcp`,
  E2E_DEMO_KEY_URL: `http://127.0.0.1:${DEMO_KEY_PORT}/mcp`,
  E2E_DEMO_OAUTH_URL: `http://127.0.0.1:${DEMO_OAUTH_PORT}/mcp`,
  E2E_DEMO_OAUTH_ISSUER: `http://127.0.0.1:${DEMO_OAUTH_ISSUER_PORT}`,
  E2E_DEMO_2026_URL: `http://127.0.0.1:${DEMO_2026_PORT}/mcp`,
  E2E_SERVER_LOG: `${e2eDir}.server.log`,
})
Object.assign(process.env, env)

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

export default defineConfig({
  testDir: './e2e',
  outputDir: '.tmp/test-results',
  fullyParallel: true,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  // Chromium pages and the production server share two cores; 3 workers were no faster (docs/decisions/020-test-suite-speed.md).
  // E2E_WORKERS overrides it (a larger machine).
  workers: Number(process.env.E2E_WORKERS ?? 2),
  reporter: process.env.CI ? [['list']] : [['list']],
  timeout: 30_000,
  expect: { timeout: 5_000 },
  use: {
    baseURL: env.PUBLIC_URL,
    trace: 'retain-on-failure',
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs },
  },
  // Every journey runs twice: with JavaScript and without.
  projects: [
    { name: 'js-on', use: { ...devices['Desktop Chrome'], javaScriptEnabled: true } },
    // tests/e2e/http/ checks HTTP responses, not pages: once is enough.
    { name: 'js-off', use: { ...devices['Desktop Chrome'], javaScriptEnabled: false }, testIgnore: '**/http/**' },
  ],
  webServer: [
    {
      command: 'npx tsx scripts/demo/start.ts',
      cwd: path.resolve('.'),
      port: DEMO_KEY_PORT,
      env: demoEnv,
      timeout: 30_000,
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
    command: `rm -rf "${e2eDir}" && mkdir -p "${e2eDir}" && node --enable-source-maps build/server-main.js > "${e2eDir}.server.log" 2>&1`,
    cwd: path.resolve('.'),
    url: `${env.PUBLIC_URL}/healthz`,
    env,
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
    },
  ],
})
