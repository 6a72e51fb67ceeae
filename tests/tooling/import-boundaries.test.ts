import path from 'node:path'
import { ESLint } from 'eslint'
import { expect, test } from 'vitest'

// The boundary rule as the lint runs it: the real config, real file paths (the layer comes from the path).
const root = path.resolve(import.meta.dirname, '../..')
const eslint = new ESLint({ cwd: root, overrideConfigFile: path.join(root, '.config/eslint.config.js') })

/** The boundary messages ESLint reports for `code` as if it were the file at `filePath`. */
async function boundaryErrors(filePath: string, code: string) {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, filePath) })
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === '@typescript-eslint/no-restricted-imports')
    .map((message) => message.message)
}

test('a model that imports the OAuth revocation (a network call) fails the lint', async () => {
  const errors = await boundaryErrors(
    'app/models/boundary-probe.server.ts',
    "import { disconnect } from '#app/oauth/revocation.server.ts'\nexport const run = disconnect\n",
  )
  expect(errors).toEqual([expect.stringContaining('app/models makes no network calls')])
})

test('a model may import utils and models, and take types from a wing', async () => {
  const errors = await boundaryErrors(
    'app/models/boundary-probe.server.ts',
    [
      "import { prisma } from '#app/utils/db.server.ts'",
      "import { recordAudit } from '#app/models/audit.server.ts'",
      "import type { ProbeResult } from '#app/mcp/probe.server.ts'",
      'export const run = (result: ProbeResult) => [prisma, recordAudit, result]',
      '',
    ].join('\n'),
  )
  expect(errors).toEqual([])
})

test('utils import only utils', async () => {
  const errors = await boundaryErrors(
    'app/utils/boundary-probe.server.ts',
    "import { getServerForWorkspace } from '#app/models/server.server.ts'\nexport const run = getServerForWorkspace\n",
  )
  expect(errors).toEqual([expect.stringContaining('app/utils is infrastructure')])
})

test('the MCP transport never imports the OAuth wing; the OAuth wing may import only the transport from app/mcp', async () => {
  const transport = await boundaryErrors(
    'app/mcp/transport/boundary-probe.server.ts',
    "import { refreshTokens } from '#app/oauth/tokens.server.ts'\nexport const run = refreshTokens\n",
  )
  expect(transport).toEqual([expect.stringContaining('never import app/oauth')])

  const oauthToTransport = await boundaryErrors(
    'app/oauth/boundary-probe.server.ts',
    "import { closeServer } from '#app/mcp/transport/sessions.server.ts'\nexport const run = closeServer\n",
  )
  expect(oauthToTransport).toEqual([])

  const oauthToProbe = await boundaryErrors(
    'app/oauth/boundary-probe.server.ts',
    "import { probeMcpServer } from '#app/mcp/probe.server.ts'\nexport const run = probeMcpServer\n",
  )
  expect(oauthToProbe).toEqual([expect.stringContaining('never the rest of app/mcp')])
})

test('only routes import app/servers; nothing below the routes imports a route or a component', async () => {
  const fromComponent = await boundaryErrors(
    'app/components/boundary-probe.tsx',
    "import { createServer } from '#app/servers/create.server.ts'\nexport const run = createServer\n",
  )
  expect(fromComponent).toEqual([expect.stringContaining('Only routes import app/servers')])

  const fromUseCase = await boundaryErrors(
    'app/servers/boundary-probe.server.ts',
    "import { Field } from '#app/components/forms.tsx'\nexport const run = Field\n",
  )
  expect(fromUseCase).toEqual([expect.stringContaining('sits below the gateway, the routes')])

  const fromRoute = await boundaryErrors(
    'app/routes/boundary-probe.tsx',
    "import { createServer } from '#app/servers/create.server.ts'\nexport const run = createServer\n",
  )
  expect(fromRoute).toEqual([])
})
