// Reads the MCP client configuration files people already have — VS Code's `mcp.json` (or the
// "mcp" key of its settings.json), `claude_desktop_config.json`, Cursor's `.cursor/mcp.json`,
// Claude Code's `.mcp.json` — into entries Switchboard can import. Pure: no database, no network.
// See docs/decisions/030-import-and-export.md.
import type { z } from 'zod'
import { parseJsonc } from '#app/servers/config-file/jsonc.ts'
import {
  HeaderNameSchema,
  HeaderValueSchema,
  MAX_HEADERS_PER_SERVER,
  ServerNameSchema,
  ServerUrlSchema,
  type Transport,
} from '#app/servers/validation.ts'

/** More entries than this in one file is not a client configuration someone pasted. */
export const MAX_IMPORT_ENTRIES = 50

export type ConfigFormat = 'vscode' | 'mcp-servers'
export const CONFIG_FORMAT_LABELS: Record<ConfigFormat, string> = {
  vscode: 'VS Code mcp.json',
  'mcp-servers': 'Claude Desktop / Cursor / Claude Code (mcpServers)',
}

export type ImportHeader = { name: string; value: string }

export type ImportEntry =
  /** A server reached over HTTP: it can become a Switchboard server. */
  | { kind: 'remote'; name: string; url: string; transport: Transport; headers: ImportHeader[]; notes: string[] }
  /** A program the client starts on the person's computer (stdio): not something a web app can run. */
  | { kind: 'local'; name: string; reason: string }
  /** Something in the entry is wrong: it says what, and nothing of the file is saved. */
  | { kind: 'broken'; name: string; problems: string[] }

export type ReadConfig = { ok: true; format: ConfigFormat; entries: ImportEntry[] } | { ok: false; message: string }

type Json = Record<string, unknown>

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Reads a configuration file's text. Never throws: a file it cannot use gets a sentence. */
export function readConfigFile(text: string): ReadConfig {
  if (!text.trim()) return { ok: false, message: 'The file is empty. Choose an mcp.json or claude_desktop_config.json, or paste its contents.' }
  let parsed: unknown
  try {
    parsed = parseJsonc(text)
  } catch (error) {
    const detail = error instanceof SyntaxError ? ` (${error.message})` : ''
    return { ok: false, message: `This is not valid JSON${detail}. Check the file and try again.` }
  }
  const found = serversOf(parsed)
  if (!found) {
    return {
      ok: false,
      message:
        'No MCP servers found: the file has neither a "servers" object (VS Code mcp.json) nor an "mcpServers" object (Claude Desktop, Cursor, Claude Code).',
    }
  }
  const names = Object.keys(found.servers)
  if (names.length === 0) return { ok: false, message: 'The file lists no servers.' }
  if (names.length > MAX_IMPORT_ENTRIES) {
    return { ok: false, message: `The file lists ${names.length} servers; import at most ${MAX_IMPORT_ENTRIES} at a time.` }
  }
  const seen = new Set<string>()
  const entries = names.map((key) => {
    const entry = readEntry(key, found.servers[key])
    // Names are unique per workspace regardless of case in the UI's eyes; the keys of a file may
    // differ only by spaces or case after trimming.
    const folded = entry.name.toLowerCase()
    if (seen.has(folded)) return { kind: 'broken' as const, name: entry.name, problems: ['Another entry of this file has the same name.'] }
    seen.add(folded)
    return entry
  })
  return { ok: true, format: found.format, entries }
}

function serversOf(parsed: unknown): { format: ConfigFormat; servers: Json } | null {
  if (!isObject(parsed)) return null
  if (isObject(parsed.servers)) return { format: 'vscode', servers: parsed.servers }
  if (isObject(parsed.mcp) && isObject(parsed.mcp.servers)) return { format: 'vscode', servers: parsed.mcp.servers }
  if (isObject(parsed.mcpServers)) return { format: 'mcp-servers', servers: parsed.mcpServers }
  return null
}

function firstIssue(result: z.ZodSafeParseResult<unknown>): string {
  return result.success ? '' : (result.error.issues[0]?.message ?? 'Invalid value')
}

function readEntry(key: string, value: unknown): ImportEntry {
  const nameResult = ServerNameSchema.safeParse(key)
  const name = nameResult.success ? nameResult.data : key.trim() || '(no name)'
  if (!nameResult.success) return { kind: 'broken', name, problems: [`Name: ${firstIssue(nameResult)}.`] }
  if (!isObject(value)) return { kind: 'broken', name, problems: ['The entry is not an object with a "url" or a "command".'] }
  const bridged = typeof value.command === 'string' ? bridgedRemote(value) : null
  if (bridged) return remoteEntry(name, bridged)
  if (value.type === 'stdio' || (typeof value.command === 'string' && value.url === undefined && value.serverUrl === undefined)) {
    return { kind: 'local', name, reason: localReason(value.command) }
  }
  const url = value.url ?? value.serverUrl
  if (typeof url !== 'string') return { kind: 'broken', name, problems: ['The entry has no "url" (or "command").'] }
  const transport = transportOf(value.type ?? value.transport)
  if (transport === null) {
    return { kind: 'broken', name, problems: [`Unknown type "${String(value.type ?? value.transport).slice(0, 40)}": use "http" or "sse".`] }
  }
  if (value.headers !== undefined && !isObject(value.headers)) {
    return { kind: 'broken', name, problems: ['"headers" must be an object of header names and values.'] }
  }
  const headers = Object.entries(value.headers ?? {}).map(([headerName, headerValue]) => ({ name: headerName, value: headerValue }))
  return remoteEntry(name, { url, transport, headers })
}

type RemoteParts = { url: string; transport: Transport; headers: Array<{ name: string; value: unknown }> }

function remoteEntry(name: string, parts: RemoteParts): ImportEntry {
  const problems: string[] = []
  const notes: string[] = []
  if (parts.url.includes('${')) {
    problems.push('The URL uses a variable (${…}): write the address itself.')
  } else {
    const url = ServerUrlSchema.safeParse(parts.url)
    if (!url.success) problems.push(`URL: ${firstIssue(url)}.`)
  }
  const headers: ImportHeader[] = []
  for (const header of parts.headers) {
    const headerName = HeaderNameSchema.safeParse(header.name)
    if (!headerName.success) {
      problems.push(`Header “${header.name.slice(0, 60)}”: ${firstIssue(headerName)}.`)
      continue
    }
    if (typeof header.value !== 'string') {
      problems.push(`Header ${headerName.data}: the value must be text.`)
      continue
    }
    // A value taken from the client's prompts or environment is not in the file: the server is
    // added without it and the person sets it on the server page (it is write-only there).
    if (header.value.includes('${')) {
      notes.push(`Header ${headerName.data} takes its value from a variable in your client; set its value on the server page.`)
      continue
    }
    const headerValue = HeaderValueSchema.safeParse(header.value)
    if (!headerValue.success) problems.push(`Header ${headerName.data}: ${firstIssue(headerValue)}.`)
    else headers.push({ name: headerName.data, value: headerValue.data })
  }
  if (headers.length > MAX_HEADERS_PER_SERVER) problems.push(`A server can have at most ${MAX_HEADERS_PER_SERVER} headers.`)
  if (problems.length > 0) return { kind: 'broken', name, problems }
  return { kind: 'remote', name, url: new URL(parts.url.trim()).toString(), transport: parts.transport, headers, notes }
}

function transportOf(type: unknown): Transport | null {
  if (type === undefined) return 'auto'
  if (typeof type !== 'string') return null
  const normalized = type.toLowerCase().replace(/[-_]/g, '')
  if (normalized === 'http' || normalized === 'streamablehttp') return 'streamable-http'
  if (normalized === 'sse') return 'sse'
  return null
}

function localReason(command: unknown): string {
  const program = typeof command === 'string' ? (command.split(/[\\/]/).pop() ?? command).slice(0, 60) : 'a program'
  return `It runs a program on your computer (${program}, over stdio). Switchboard connects to remote servers over HTTP only; keep this one in your MCP client.`
}

const BRIDGE_RUNNERS = new Set(['npx', 'pnpx', 'bunx', 'mcp-remote'])

/**
 * `npx mcp-remote https://… --header Name:${VAR}` is how Claude Desktop reaches a remote server:
 * the URL and headers are in the arguments, the variables in "env".
 */
function bridgedRemote(value: Json): RemoteParts | null {
  const command = String(value.command).split(/[\\/]/).pop() ?? ''
  if (!BRIDGE_RUNNERS.has(command)) return null
  const args = Array.isArray(value.args) ? value.args.filter((arg): arg is string => typeof arg === 'string') : []
  const bridgeAt = command === 'mcp-remote' ? -1 : args.findIndex((arg) => /^mcp-remote(@.*)?$/.test(arg))
  if (command !== 'mcp-remote' && bridgeAt === -1) return null
  const rest = args.slice(bridgeAt + 1)
  const url = rest.find((arg) => /^https?:\/\//i.test(arg))
  if (!url) return null
  const env = isObject(value.env) ? value.env : {}
  // A variable left empty in "env" is one the person has yet to fill in: noted, not imported.
  const substitute = (text: string) =>
    text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, variable: string) => (typeof env[variable] === 'string' && env[variable] !== '' ? String(env[variable]) : whole))
  const headers: RemoteParts['headers'] = []
  let transport: Transport = 'auto'
  rest.forEach((arg, index) => {
    const next = rest[index + 1]
    if (arg === '--header' && next !== undefined) {
      const colon = next.indexOf(':')
      if (colon > 0) headers.push({ name: next.slice(0, colon).trim(), value: substitute(next.slice(colon + 1).trim()) })
    }
    if (arg === '--transport' && next === 'http-only') transport = 'streamable-http'
    if (arg === '--transport' && next === 'sse-only') transport = 'sse'
  })
  return { url, transport, headers }
}
