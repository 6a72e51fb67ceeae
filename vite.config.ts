import { fileURLToPath } from 'node:url'
import { vitePlugin as remix } from '@remix-run/dev'
import { configDefaults, defineConfig } from 'vitest/config'

declare module '@remix-run/node' {
  interface Future {
    v3_singleFetch: true
  }
}

const isVitest = Boolean(process.env.VITEST)
// The https test peers (a Client ID Metadata Document server) use a certificate of a test CA
// (tests/support/tls/README.md). Node reads NODE_EXTRA_CA_CERTS only when a process starts: `test.env` below is in
// the environment Vitest forks its workers with.
const testCaCertificate = fileURLToPath(new URL('tests/support/tls/test-ca.pem', import.meta.url))
const testDatabaseUrl = process.env.TEST_DATABASE_URL

// Integration tests (tests/integration) run once per database: always on SQLite, and on
// PostgreSQL when TEST_DATABASE_URL names one (CI always does). Unit tests beside their
// modules (app/**/*.test.ts) run once, with an SQLite database at hand.
const databaseTests = ['tests/integration/**/*.test.ts', 'tests/security/**/*.test.ts', 'tests/faults/**/*.test.ts']
/**
 * Suites about wire protocols and peers — the OAuth and MCP steps under faults, SSRF, the workspace MCP endpoint as
 * agents see it: what they check does not depend on the database, and the queries beneath them run on both databases
 * in their own suites (models, the authorization server's adapter, Connected apps). They run once, on SQLite
 * (docs/decisions/020-test-suite-speed.md). Several instances of the gateway run on PostgreSQL, as such a deployment
 * does (on SQLite when no PostgreSQL is configured).
 */
const protocolTests = [
  'tests/faults/oauth-steps.test.ts',
  'tests/faults/mcp-steps.test.ts',
  'tests/security/ssrf.test.ts',
  'tests/security/gateway-authorization.test.ts',
  'tests/integration/gateway-authorization.test.ts',
  'tests/integration/gateway-end-to-end.test.ts',
  'tests/integration/gateway-http.test.ts',
  'tests/integration/gateway-mcp-remote.test.ts',
  'tests/integration/gateway-passthrough.test.ts',
  'tests/integration/gateway-tools.test.ts',
]
const postgresOnlyTests = ['tests/integration/gateway-multi-instance.test.ts']
const workers = Number(process.env.VITEST_MAX_WORKERS ?? 4)

export default defineConfig({
  server: { host: '127.0.0.1', port: 3000, strictPort: true },
  build: { target: 'es2022', sourcemap: true },
  plugins: isVitest
    ? []
    : [
        remix({
          // Routes come from app/routes.ts (v3_routeConfig), which lists the files that are never routes.
          future: {
            v3_fetcherPersist: true,
            v3_relativeSplatPath: true,
            v3_throwAbortReason: true,
            v3_singleFetch: true,
            v3_lazyRouteDiscovery: true,
            v3_routeConfig: true,
          },
        }),
      ],
  test: {
    env: { NODE_EXTRA_CA_CERTS: testCaCertificate },
    setupFiles: ['./tests/setup/setup-test-env.ts'],
    globalSetup: ['./tests/setup/global-setup.ts'],
    pool: 'forks',
    // Files share their worker's process: node_modules load once per worker, not once per file. The set-up file
    // starts each file as a fresh process would (tests/setup/setup-test-env.ts; docs/decisions/020-test-suite-speed.md).
    isolate: false,
    // The suite mostly waits on I/O (databases, local HTTP peers, child processes), so on two cores four
    // workers finish far sooner than Vitest's default of cpus − 1 (one). Each worker has its own database
    // copy and data directory by VITEST_POOL_ID (tests/setup/setup-test-env.ts); every test peer listens
    // on a port the OS picks. VITEST_MAX_WORKERS overrides the count (e.g. a larger CI machine).
    maxWorkers: workers,
    // NOTE: as many as at most. With fewer, tinypool ends a worker the moment it is idle (idleTimeout 0) and can end
    // it a second time when Vitest recycles the workers between projects: an unhandled "Terminating worker thread".
    minWorkers: workers,
    // vi.stubEnv in a test (e.g. the production password cost) ends with the test.
    unstubEnvs: true,
    testTimeout: 20_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true as const,
        test: { name: 'unit', include: ['app/**/*.test.{ts,tsx}'], env: { TEST_DB_KIND: 'sqlite' } },
      },
      {
        extends: true as const,
        test: {
          name: 'sqlite',
          include: databaseTests,
          exclude: [...configDefaults.exclude, ...(testDatabaseUrl ? postgresOnlyTests : [])],
          env: { TEST_DB_KIND: 'sqlite' },
        },
      },
      ...(testDatabaseUrl
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgresql',
                include: databaseTests,
                exclude: [...configDefaults.exclude, ...protocolTests],
                env: { TEST_DB_KIND: 'postgresql' },
              },
            },
          ]
        : []),
      {
        extends: true as const,
        test: { name: 'tooling', include: ['tests/tooling/**/*.test.ts'], env: { TEST_DB_KIND: 'none' } },
      },
    ],
  },
})
