// ESLint flat config (kept in .config/ so the repository's top level stays as DEVELOPERS.md lists).
import js from '@eslint/js'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const relativeImports = { group: ['../*', '../../*'], message: 'Import with #app/... or #tests/...' }

/**
 * Import boundaries: the layers of docs/architecture.md, bottom to top. A module may import its own layer and the
 * layers below. Each entry forbids what lies above (or beside) its files; `typeOnly` groups tolerate `import type`.
 * NOTE: flat config lets the LAST block that matches a file set a rule, so a narrower glob must come after a wider
 * one (app/mcp/transport after app/mcp) and carries the whole list for its files.
 */
const see = 'See docs/architecture.md.'
const boundaries = [
  {
    name: 'utils',
    files: ['app/utils/**'],
    forbid: [{ regex: '^#app/(?!utils/|generated/)', message: `app/utils is infrastructure: it imports only app/utils. ${see}` }],
  },
  {
    name: 'models',
    files: ['app/models/**'],
    forbid: [
      { regex: '^#app/(oauth|mcp)/', typeOnly: true, message: `app/models makes no network calls: only \`import type\` from app/oauth or app/mcp. ${see}` },
      { regex: '^#app/(?!utils/|models/|generated/|oauth/|mcp/)', message: `app/models imports only app/utils and app/models. ${see}` },
    ],
  },
  {
    name: 'mcp use cases',
    files: ['app/mcp/**'],
    forbid: [{ regex: '^#app/(servers|routes|components|gateway)/', message: `app/mcp sits below app/servers and the routes. ${see}` }],
  },
  {
    name: 'mcp transport and pure helpers',
    files: ['app/mcp/transport/**', 'app/mcp/tool-input/**', 'app/mcp/display-bounds.ts', 'app/mcp/tool-display.server.ts'],
    forbid: [
      { regex: '^#app/oauth/', message: `The MCP transport and the pure MCP helpers never import app/oauth (the OAuth wing uses them to end sessions). ${see}` },
      { regex: '^#app/mcp/(?!transport/|tool-input/|display-bounds\\.ts$|tool-display\\.server\\.ts$)', message: `The MCP transport sits below the MCP use cases (probe, tools). ${see}` },
      { regex: '^#app/(servers|routes|components|gateway)/', message: `app/mcp sits below app/servers and the routes. ${see}` },
    ],
  },
  {
    name: 'oauth',
    files: ['app/oauth/**'],
    forbid: [
      { regex: '^#app/mcp/(?!transport/)', message: `app/oauth may use app/mcp/transport (to end sessions), never the rest of app/mcp. ${see}` },
      { regex: '^#app/(servers|routes|components|gateway)/', message: `app/oauth sits below app/servers, the gateway and the routes. ${see}` },
    ],
  },
  {
    name: 'servers',
    files: ['app/servers/**'],
    forbid: [{ regex: '^#app/(routes|components|gateway)/', message: `app/servers sits below the gateway, the routes and components. ${see}` }],
  },
  {
    name: 'gateway',
    files: ['app/gateway/**'],
    forbid: [{ regex: '^#app/(routes|components|servers)/', message: `app/gateway (the workspace MCP endpoint) sits below the routes; it uses the MCP and OAuth use cases, never app/servers. ${see}` }],
  },
  {
    name: 'components and the HTTP server',
    files: ['app/components/**', 'app/server/**'],
    // The server forms' schemas (app/servers/validation.ts, no server code) are shared with the browser.
    forbid: [{ regex: '^#app/(servers/(?!validation\\.ts$)|routes/)', message: `Only routes import app/servers (components: its form schemas, validation.ts) and app/routes. ${see}` }],
  },
]

/** One `@typescript-eslint/no-restricted-imports` setting from a boundary's forbidden groups. */
function restrict(forbid) {
  const patterns = forbid.map(({ regex, typeOnly, message }) => ({
    regex,
    message,
    ...(typeOnly ? { allowTypeImports: true } : {}),
  }))
  return ['error', { patterns }]
}

const boundaryBlocks = boundaries.map(({ name, files, forbid }) => ({
  name: `boundaries/${name}`,
  files,
  // Tests beside a module set up its neighbours (a model test may create an OAuth connection): not a layer.
  ignores: ['**/*.test.{ts,tsx}'],
  rules: { '@typescript-eslint/no-restricted-imports': restrict(forbid) },
}))

export default tseslint.config(
  { ignores: ['build/**', 'app/generated/**', 'node_modules/**', 'tests/.tmp/**', 'test-results/**', 'playwright-report/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [relativeImports] }],
    },
  },
  ...boundaryBlocks,
  {
    // Playwright fixtures call `use()`, which is not React's hook.
    files: ['tests/fixtures.ts', 'tests/e2e/**'],
    rules: { 'react-hooks/rules-of-hooks': 'off' },
  },
  {
    files: ['**/*.{js,mjs}'],
    languageOptions: { globals: globals.node },
  },
)
