// Import and export of MCP client configuration files (issue 11 point 17), with real files of each
// format and real demo MCP servers on 127.0.0.1: remote entries become servers after the probe, local
// ones are listed with the reason, a broken entry stops the whole file, and export holds no secret.
import fs from 'node:fs'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { listServerTools } from '#app/mcp/tools.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { requireServer } from '#app/models/server.server.ts'
import { loader as exportLoader } from '#app/routes/w.$workspaceId.servers.export.ts'
import { action as importAction } from '#app/routes/w.$workspaceId.servers.import/route.tsx'
import type { ImportOutcome } from '#app/servers/import-servers.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { type DemoMcpServer, startDemoMcpServer } from '#scripts/demo/mcp-server.ts'
import { BASE_URL, createTestAccount, dataOf, getRequest, loadContext, settle, statusOf } from '#tests/utils.ts'

const API_KEY = 'import-key-4f1c9e'
let open: DemoMcpServer
let keyed: DemoMcpServer

beforeAll(async () => {
  ;[open, keyed] = await Promise.all([startDemoMcpServer(), startDemoMcpServer({ apiKey: API_KEY })])
})
afterAll(async () => {
  await getSessionPool().closeAll()
  await Promise.all([open?.close(), keyed?.close()])
})

function fixture(name: string): string {
  return fs
    .readFileSync(new URL(`../support/config-files/${name}`, import.meta.url), 'utf8')
    .replaceAll('{{OPEN_URL}}', open.url)
    .replaceAll('{{OPEN_SSE_URL}}', open.sseUrl ?? '')
    .replaceAll('{{KEYED_URL}}', keyed.url)
    .replaceAll('{{API_KEY}}', API_KEY)
}

/** Posts the import form as a browser does: multipart, the file or the pasted text. */
async function postImport(account: { cookie: string; user: { workspaceId: string } }, fields: { file?: string; fileName?: string; text?: string; includeUnreachable?: boolean }) {
  const form = new FormData()
  form.set('file', new File(fields.file === undefined ? [] : [fields.file], fields.file === undefined ? '' : (fields.fileName ?? 'mcp.json'), { type: 'application/json' }))
  form.set('text', fields.text ?? '')
  if (fields.includeUnreachable) form.set('includeUnreachable', 'on')
  const path = `/w/${account.user.workspaceId}/servers/import`
  const request = new Request(new URL(path, BASE_URL), { method: 'POST', headers: { Origin: BASE_URL, Cookie: account.cookie }, body: form })
  const result = await settle(() => importAction({ request, params: { workspaceId: account.user.workspaceId }, context: loadContext() }))
  const body = dataOf(result) as { outcome: Extract<ImportOutcome, { ok: true }> | null; result: { error?: Record<string, string[]> } }
  return { status: statusOf(result), ...body }
}

function serversOf(workspaceId: string) {
  return getDb().mcpServer.findMany({ where: { workspaceId }, orderBy: { name: 'asc' }, include: { headers: true, probe: true } })
}

test('a VS Code mcp.json: both remote servers are added with their probe and header, the stdio entry is listed', async () => {
  const account = await createTestAccount('Importer')
  const { status, outcome } = await postImport(account, { file: fixture('vscode-mcp.json') })
  expect(status).toBe(200)
  expect(outcome?.saved).toBe(true)
  expect(outcome?.results.map((result) => [result.name, result.kind])).toEqual([
    ['Open demo', 'added'],
    ['Keyed demo', 'added'],
    ['Local files', 'local'],
  ])
  const keyedResult = outcome?.results[1]
  expect(keyedResult?.kind === 'added' && keyedResult.notes).toEqual([expect.stringContaining('Header X-Team takes its value from a variable')])

  const [keyedRow, openRow] = await serversOf(account.user.workspaceId)
  expect(openRow).toMatchObject({ name: 'Open demo', url: open.url, authType: 'none', probe: { outcome: 'open' } })
  expect(keyedRow).toMatchObject({ name: 'Keyed demo', authType: 'headers', authTypeLocked: true, probe: { outcome: 'open' } })
  expect(keyedRow?.headers.map((header) => header.name)).toEqual(['X-Api-Key'])
  expect(keyedRow?.headers[0]?.value).not.toContain(API_KEY)

  // The stored header works: the keyed server lists its tools.
  const server = await requireServer(account.user.workspaceId, keyedRow?.id ?? '')
  const tools = await listServerTools(account.user.id, server)
  expect(tools.ok && tools.value.length).toBeGreaterThan(0)
  expect(keyed.stats.lastHeaders['x-api-key']).toBe(API_KEY)

  const audit = await getDb().auditEvent.findMany({ where: { workspaceId: account.user.workspaceId }, orderBy: { createdAt: 'asc' } })
  expect(audit.map((event) => event.event)).toEqual(['server.created', 'server.created', 'server.header_set'])
  expect(JSON.stringify(audit)).not.toContain(API_KEY)
})

test('Claude Desktop (mcp-remote) and Cursor files, pasted instead of uploaded; importing again skips what is there', async () => {
  const account = await createTestAccount('Paster')
  const claude = await postImport(account, { text: fixture('claude_desktop_config.json') })
  expect(claude.outcome?.results.map((result) => [result.name, result.kind])).toEqual([
    ['filesystem', 'local'],
    ['keyed via bridge', 'added'],
  ])
  const cursor = await postImport(account, { text: fixture('cursor-mcp.json') })
  expect(cursor.outcome?.results.map((result) => [result.name, result.kind])).toEqual([
    ['open over sse', 'added'],
    ['keyed', 'added'],
    ['git', 'local'],
  ])
  const rows = await serversOf(account.user.workspaceId)
  expect(rows.find((row) => row.name === 'open over sse')).toMatchObject({ transport: 'sse', probe: { transport: 'sse', outcome: 'open' } })

  const again = await postImport(account, { text: fixture('cursor-mcp.json') })
  expect(again.outcome?.results.map((result) => result.kind)).toEqual(['skipped', 'skipped', 'local'])
  expect(await serversOf(account.user.workspaceId)).toHaveLength(3)
})

test('a broken entry stops the whole file: every problem is said and nothing is saved', async () => {
  const account = await createTestAccount('Careful')
  const { status, outcome } = await postImport(account, { file: fixture('broken-entries.json') })
  expect(status).toBe(400)
  expect(outcome?.saved).toBe(false)
  expect(outcome?.results.map((result) => [result.name, result.kind])).toEqual([
    ['good one', 'ready'],
    ['no address', 'problem'],
    ['bad url', 'problem'],
    ['bad header', 'problem'],
    ['odd type', 'problem'],
    ['with variable', 'problem'],
  ])
  expect(await serversOf(account.user.workspaceId)).toEqual([])
})

test('a server that does not answer stops the import unless the person says to add it anyway', async () => {
  const account = await createTestAccount('Unreachable')
  const gone = await startDemoMcpServer()
  const goneUrl = gone.url
  await gone.close()
  const file = JSON.stringify({ servers: { Open: { url: open.url }, Gone: { url: goneUrl } } })
  const stopped = await postImport(account, { file })
  expect(stopped.outcome?.results).toEqual([
    { name: 'Open', kind: 'ready', message: expect.any(String), notes: [] },
    { name: 'Gone', kind: 'problem', problems: [expect.stringContaining('Also add servers that do not answer right now')] },
  ])
  expect(await serversOf(account.user.workspaceId)).toEqual([])

  const added = await postImport(account, { file, includeUnreachable: true })
  expect(added.outcome?.results.map((result) => result.kind)).toEqual(['added', 'added'])
  expect((await serversOf(account.user.workspaceId)).find((row) => row.name === 'Gone')?.probe?.outcome).toBe('connect_refused')
})

test('a name already used for another URL is a problem; files that are not configurations get one sentence', async () => {
  const account = await createTestAccount('Clash')
  await postImport(account, { file: JSON.stringify({ servers: { Docs: { url: open.url } } }) })
  const clash = await postImport(account, { file: JSON.stringify({ servers: { docs: { url: `${open.url}?v=2` } } }) })
  expect(clash.outcome?.results[0]).toEqual({ name: 'docs', kind: 'problem', problems: ['A server with this name already exists here with another URL: rename the entry.'] })

  for (const [name, message] of [
    ['not-json.json', /^This is not valid JSON/],
    ['no-servers.json', /^No MCP servers found/],
  ] as const) {
    const refused = await postImport(account, { file: fixture(name) })
    expect(refused.status).toBe(400)
    expect(refused.result.error?.file?.[0]).toMatch(message)
  }
  const empty = await postImport(account, {})
  expect(empty.result.error?.file).toEqual(['Choose a configuration file, or paste its contents below'])
})

test('members cannot import; export is theirs too and holds no header value', async () => {
  const owner = await createTestAccount('Exporter')
  await postImport(owner, { file: fixture('cursor-mcp.json') })
  const member = await createTestAccount('Member')
  await getDb().membership.create({ data: { workspaceId: owner.user.workspaceId, userId: member.user.id, role: 'member' } })

  const refused = await postImport({ cookie: member.cookie, user: { workspaceId: owner.user.workspaceId } }, { file: fixture('cursor-mcp.json') })
  expect(refused.status).toBe(403)

  for (const format of ['vscode', 'cursor', 'claude-desktop']) {
    const response = await exportLoader({
      request: getRequest(`/w/${owner.user.workspaceId}/servers/export?format=${format}`, member.cookie),
      params: { workspaceId: owner.user.workspaceId },
      context: loadContext(),
    })
    expect(response.headers.get('Content-Disposition')).toMatch(/^attachment; filename="(mcp|claude_desktop_config)\.json"$/)
    const text = await response.text()
    expect(text).toContain(keyed.url)
    expect(text).toContain('X-Api-Key')
    expect(text).not.toContain(API_KEY)
  }
  const outsider = await createTestAccount('Outsider')
  const denied = await settle(() =>
    exportLoader({ request: getRequest(`/w/${owner.user.workspaceId}/servers/export`, outsider.cookie), params: { workspaceId: owner.user.workspaceId }, context: loadContext() }),
  )
  expect([403, 404]).toContain(statusOf(denied))
})

test('an exported file imports into another workspace as the same servers (headers to fill in)', async () => {
  const owner = await createTestAccount('Source')
  await postImport(owner, { file: fixture('vscode-mcp.json') })
  const response = await exportLoader({
    request: getRequest(`/w/${owner.user.workspaceId}/servers/export?format=vscode`, owner.cookie),
    params: { workspaceId: owner.user.workspaceId },
    context: loadContext(),
  })
  const target = await createTestAccount('Target')
  const { outcome } = await postImport(target, { file: await response.text(), includeUnreachable: true })
  expect(outcome?.results.map((result) => [result.name, result.kind, result.kind === 'added' ? result.notes.length : 0])).toEqual([
    ['Keyed demo', 'added', 1],
    ['Open demo', 'added', 0],
  ])
})
