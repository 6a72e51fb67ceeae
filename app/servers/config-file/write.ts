// Writes a workspace's servers as an MCP client configuration file. No secrets: header values
// become the client's own variables (VS Code prompts, Cursor and Claude Desktop environment
// variables), which the person fills in there. Pure. See docs/decisions/030-import-and-export.md.
import type { Transport } from '#app/servers/validation.ts'

export const EXPORT_FORMATS = ['vscode', 'cursor', 'claude-desktop'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

export const EXPORT_FORMAT_LABELS: Record<ExportFormat, { label: string; fileName: string; help: string }> = {
  vscode: { label: 'VS Code', fileName: 'mcp.json', help: 'Save as .vscode/mcp.json; VS Code asks for header values once.' },
  cursor: { label: 'Cursor', fileName: 'mcp.json', help: 'Save as .cursor/mcp.json; header values come from environment variables.' },
  'claude-desktop': {
    label: 'Claude Desktop',
    fileName: 'claude_desktop_config.json',
    help: 'Remote servers through mcp-remote (needs Node); header values go in each entry’s "env".',
  },
}

export type ExportedServer = { name: string; url: string; transport: Transport; headerNames: string[] }

/** The file's text (pretty JSON, ending with a newline). */
export function writeConfigFile(format: ExportFormat, servers: ExportedServer[]): string {
  const file = format === 'vscode' ? vscodeFile(servers) : format === 'cursor' ? cursorFile(servers) : claudeDesktopFile(servers)
  return `${JSON.stringify(file, null, 2)}\n`
}

/** "Linear Prod" + "X-Api-Key" → "LINEAR_PROD_X_API_KEY": a variable name every client accepts. */
export function variableName(serverName: string, headerName: string): string {
  return `${serverName}_${headerName}`
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .replace(/^(?=\d)/, '_')
}

function vscodeFile(servers: ExportedServer[]) {
  const inputs: Array<{ id: string; type: 'promptString'; description: string; password: true }> = []
  const entries = servers.map((server) => {
    const headers = Object.fromEntries(
      server.headerNames.map((headerName) => {
        const id = variableName(server.name, headerName).toLowerCase().replace(/_/g, '-')
        inputs.push({ id, type: 'promptString', description: `${headerName} for ${server.name}`, password: true })
        return [headerName, `\${input:${id}}`]
      }),
    )
    const entry = { type: server.transport === 'sse' ? 'sse' : 'http', url: server.url, ...(server.headerNames.length ? { headers } : {}) }
    return [server.name, entry] as const
  })
  return { servers: Object.fromEntries(entries), ...(inputs.length ? { inputs } : {}) }
}

function cursorFile(servers: ExportedServer[]) {
  const entries = servers.map((server) => {
    const headers = Object.fromEntries(server.headerNames.map((headerName) => [headerName, `\${env:${variableName(server.name, headerName)}}`]))
    return [server.name, { url: server.url, ...(server.headerNames.length ? { headers } : {}) }] as const
  })
  return { mcpServers: Object.fromEntries(entries) }
}

function claudeDesktopFile(servers: ExportedServer[]) {
  const entries = servers.map((server) => {
    const args = ['-y', 'mcp-remote', server.url]
    if (server.transport === 'sse') args.push('--transport', 'sse-only')
    if (server.transport === 'streamable-http') args.push('--transport', 'http-only')
    const env: Record<string, string> = {}
    for (const headerName of server.headerNames) {
      const variable = variableName(server.name, headerName)
      // No space after the colon: mcp-remote splits arguments on spaces on some platforms.
      args.push('--header', `${headerName}:\${${variable}}`)
      env[variable] = ''
    }
    return [server.name, { command: 'npx', args, ...(server.headerNames.length ? { env } : {}) }] as const
  })
  return { mcpServers: Object.fromEntries(entries) }
}
