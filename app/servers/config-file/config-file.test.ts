// The configuration files people have, read and written without a database or network.
import fs from 'node:fs'
import { describe, expect, test } from 'vitest'
import { stripJsonc } from '#app/servers/config-file/jsonc.ts'
import { MAX_IMPORT_ENTRIES, readConfigFile } from '#app/servers/config-file/read.ts'
import { variableName, writeConfigFile } from '#app/servers/config-file/write.ts'

function fixture(name: string): string {
  return fs
    .readFileSync(new URL(`../../../tests/support/config-files/${name}`, import.meta.url), 'utf8')
    .replaceAll('{{OPEN_URL}}', 'http://127.0.0.1:4000/mcp')
    .replaceAll('{{OPEN_SSE_URL}}', 'http://127.0.0.1:4000/sse')
    .replaceAll('{{KEYED_URL}}', 'http://127.0.0.1:4001/mcp')
    .replaceAll('{{API_KEY}}', 'k-123')
}

describe('reading', () => {
  test('VS Code mcp.json with comments and trailing commas: remote entries, a variable header noted, stdio listed', () => {
    const read = readConfigFile(fixture('vscode-mcp.json'))
    expect(read).toMatchObject({ ok: true, format: 'vscode' })
    if (!read.ok) return
    expect(read.entries).toEqual([
      { kind: 'remote', name: 'Open demo', url: 'http://127.0.0.1:4000/mcp', transport: 'streamable-http', headers: [], notes: [] },
      {
        kind: 'remote',
        name: 'Keyed demo',
        url: 'http://127.0.0.1:4001/mcp',
        transport: 'streamable-http',
        headers: [{ name: 'X-Api-Key', value: 'k-123' }],
        notes: ['Header X-Team takes its value from a variable in your client; set its value on the server page.'],
      },
      { kind: 'local', name: 'Local files', reason: expect.stringContaining('(npx, over stdio)') },
    ])
  })

  test('Claude Desktop: an mcp-remote bridge is a remote server with its --header and env; other commands are local', () => {
    const read = readConfigFile(fixture('claude_desktop_config.json'))
    expect(read).toMatchObject({ ok: true, format: 'mcp-servers' })
    if (!read.ok) return
    expect(read.entries[0]).toMatchObject({ kind: 'local', name: 'filesystem' })
    expect(read.entries[1]).toEqual({
      kind: 'remote',
      name: 'keyed via bridge',
      url: 'http://127.0.0.1:4001/mcp',
      transport: 'auto',
      headers: [{ name: 'X-Api-Key', value: 'k-123' }],
      notes: [],
    })
  })

  test('Cursor: url entries with type and headers; the env of a local entry is never read', () => {
    const read = readConfigFile(fixture('cursor-mcp.json'))
    if (!read.ok) throw new Error(read.message)
    expect(read.entries.map((entry) => [entry.name, entry.kind, entry.kind === 'remote' ? entry.transport : null])).toEqual([
      ['open over sse', 'remote', 'sse'],
      ['keyed', 'remote', 'auto'],
      ['git', 'local', null],
    ])
    expect(JSON.stringify(read.entries)).not.toContain('never-imported')
  })

  test('each broken entry says what is wrong', () => {
    const read = readConfigFile(fixture('broken-entries.json'))
    if (!read.ok) throw new Error(read.message)
    const problems = Object.fromEntries(read.entries.map((entry) => [entry.name, entry.kind === 'broken' ? entry.problems.join(' ') : entry.kind]))
    expect(problems).toEqual({
      'good one': 'remote',
      'no address': 'The entry has no "url" (or "command").',
      'bad url': 'URL: Enter an http:// or https:// URL, such as https://mcp.example.com/mcp.',
      'bad header': 'Header “Bad Header”: A header name has only letters, digits and - (no spaces, colons or line breaks).',
      'odd type': 'Unknown type "websocket": use "http" or "sse".',
      'with variable': 'The URL uses a variable (${…}): write the address itself.',
    })
  })

  test('a file that is not JSON, has no servers, is empty or too long gets one sentence', () => {
    expect(readConfigFile(fixture('not-json.json'))).toMatchObject({ ok: false, message: expect.stringMatching(/^This is not valid JSON/) })
    expect(readConfigFile(fixture('no-servers.json'))).toMatchObject({ ok: false, message: expect.stringMatching(/^No MCP servers found/) })
    expect(readConfigFile('  ')).toMatchObject({ ok: false, message: expect.stringMatching(/^The file is empty/) })
    const many = Object.fromEntries(Array.from({ length: MAX_IMPORT_ENTRIES + 1 }, (_, i) => [`s${i}`, { url: 'https://x.example/mcp' }]))
    expect(readConfigFile(JSON.stringify({ mcpServers: many }))).toMatchObject({ ok: false, message: expect.stringContaining(`at most ${MAX_IMPORT_ENTRIES}`) })
  })

  test('two entries with the same name: the second is an error', () => {
    const read = readConfigFile(JSON.stringify({ servers: { Docs: { url: 'https://a.example/mcp' }, ' docs ': { url: 'https://b.example/mcp' } } }))
    if (!read.ok) throw new Error(read.message)
    expect(read.entries[1]).toEqual({ kind: 'broken', name: 'docs', problems: ['Another entry of this file has the same name.'] })
  })

  test('JSONC: comment markers and commas inside strings are kept', () => {
    expect(JSON.parse(stripJsonc('{"a": "x // y, /* z */",} // end'))).toEqual({ a: 'x // y, /* z */' })
    expect(JSON.parse(stripJsonc('[1, 2, /* c */ ]'))).toEqual([1, 2])
  })
})

describe('writing', () => {
  const servers = [
    { name: 'Docs', url: 'https://docs.example/mcp', transport: 'auto' as const, headerNames: ['X-Api-Key'] },
    { name: 'Old', url: 'https://old.example/sse', transport: 'sse' as const, headerNames: [] },
  ]

  test('VS Code: header values are prompted inputs, never values', () => {
    expect(JSON.parse(writeConfigFile('vscode', servers))).toEqual({
      servers: {
        Docs: { type: 'http', url: 'https://docs.example/mcp', headers: { 'X-Api-Key': '${input:docs-x-api-key}' } },
        Old: { type: 'sse', url: 'https://old.example/sse' },
      },
      inputs: [{ id: 'docs-x-api-key', type: 'promptString', description: 'X-Api-Key for Docs', password: true }],
    })
  })

  test('Cursor and Claude Desktop: environment variables', () => {
    expect(JSON.parse(writeConfigFile('cursor', servers)).mcpServers.Docs).toEqual({
      url: 'https://docs.example/mcp',
      headers: { 'X-Api-Key': '${env:DOCS_X_API_KEY}' },
    })
    expect(JSON.parse(writeConfigFile('claude-desktop', servers)).mcpServers).toEqual({
      Docs: { command: 'npx', args: ['-y', 'mcp-remote', 'https://docs.example/mcp', '--header', 'X-Api-Key:${DOCS_X_API_KEY}'], env: { DOCS_X_API_KEY: '' } },
      Old: { command: 'npx', args: ['-y', 'mcp-remote', 'https://old.example/sse', '--transport', 'sse-only'] },
    })
    expect(variableName('1 Linear (prod)', 'Authorization')).toBe('_1_LINEAR_PROD_AUTHORIZATION')
  })

  test('every format written is read back as the same servers', () => {
    for (const format of ['vscode', 'cursor', 'claude-desktop'] as const) {
      const read = readConfigFile(writeConfigFile(format, servers))
      if (!read.ok) throw new Error(read.message)
      expect(read.entries.map((entry) => (entry.kind === 'remote' ? [entry.name, entry.url] : entry.kind))).toEqual([
        ['Docs', 'https://docs.example/mcp'],
        ['Old', 'https://old.example/sse'],
      ])
    }
  })
})
