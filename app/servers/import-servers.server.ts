// Importing an MCP client's configuration file: every remote entry is checked and probed first,
// and only a file with no problem left is saved (each server with its headers in one write).
// Local (stdio) entries are listed with the reason they stay in the client. ADR 030.
import { randomUUID } from 'node:crypto'
import { type ProbeResult, probeMcpServer } from '#app/mcp/probe.server.ts'
import { recordAudit } from '#app/models/audit.server.ts'
import { encryptHeaderValue } from '#app/models/server-headers.server.ts'
import { DuplicateServerNameError, createServer } from '#app/models/server-write.server.ts'
import { listServerAddresses } from '#app/models/server.server.ts'
import { CONFIG_FORMAT_LABELS, type ImportEntry, readConfigFile } from '#app/servers/config-file/read.ts'
import { UNREACHABLE_OUTCOMES } from '#app/servers/server-form.server.ts'
import { SERVER_TIMEOUT_DEFAULT_SECONDS, secondsToMs } from '#app/servers/validation.ts'

/** Probes run this many at a time: a file of slow servers ends sooner, a fast one is not slowed. */
const PROBE_CONCURRENCY = 4

export type ImportResult =
  | { name: string; kind: 'added'; serverId: string; message: string; notes: string[] }
  /** Ready to add, but not added because another entry has a problem. */
  | { name: string; kind: 'ready'; message: string; notes: string[] }
  | { name: string; kind: 'local'; message: string }
  | { name: string; kind: 'skipped'; message: string }
  | { name: string; kind: 'problem'; problems: string[] }

export type ImportOutcome =
  /** The file itself could not be used. */
  | { ok: false; message: string }
  /** `saved`: false when any entry has a problem; then nothing was added. */
  | { ok: true; saved: boolean; format: string; results: ImportResult[] }

type RemoteEntry = Extract<ImportEntry, { kind: 'remote' }>
type Checked = { entry: RemoteEntry; probe: ProbeResult | null; result: ImportResult }

/** Imports the file `text` into the workspace as `userId` (an owner or admin: the route checks). */
export async function importServers(input: {
  workspaceId: string
  userId: string
  text: string
  /** Also add servers the probe could not reach (the add form's "Save anyway"). */
  includeUnreachable: boolean
}): Promise<ImportOutcome> {
  const read = readConfigFile(input.text)
  if (!read.ok) return read
  const format = CONFIG_FORMAT_LABELS[read.format]
  const existing = new Map((await listServerAddresses(input.workspaceId)).map((server) => [server.name.toLowerCase(), server.url]))
  const checked = await mapLimit(read.entries, PROBE_CONCURRENCY, (entry) => checkEntry(entry, existing, input.includeUnreachable))
  const results = checked.map((item) => item.result)
  if (results.some((result) => result.kind === 'problem')) return { ok: true, saved: false, format, results }
  const saved: ImportResult[] = []
  for (const item of checked) {
    saved.push(item.probe && item.result.kind === 'ready' ? await saveEntry(input, item.entry, item.probe, format) : item.result)
  }
  return { ok: true, saved: true, format, results: saved }
}

async function checkEntry(entry: ImportEntry, existing: Map<string, string>, includeUnreachable: boolean): Promise<Checked | { entry: null; probe: null; result: ImportResult }> {
  if (entry.kind === 'local') return { entry: null, probe: null, result: { name: entry.name, kind: 'local', message: entry.reason } }
  if (entry.kind === 'broken') return { entry: null, probe: null, result: { name: entry.name, kind: 'problem', problems: entry.problems } }
  const existingUrl = existing.get(entry.name.toLowerCase())
  if (existingUrl === entry.url) {
    return { entry, probe: null, result: { name: entry.name, kind: 'skipped', message: 'Already in this workspace with the same URL.' } }
  }
  if (existingUrl !== undefined) {
    return { entry, probe: null, result: { name: entry.name, kind: 'problem', problems: ['A server with this name already exists here with another URL: rename the entry.'] } }
  }
  const probe = await probeMcpServer({
    url: entry.url,
    transport: entry.transport,
    headers: Object.fromEntries(entry.headers.map((header) => [header.name, header.value])),
    timeoutMs: secondsToMs(SERVER_TIMEOUT_DEFAULT_SECONDS),
  })
  if (probe.outcome === 'blocked') return { entry, probe, result: { name: entry.name, kind: 'problem', problems: [probe.message] } }
  if (UNREACHABLE_OUTCOMES.has(probe.outcome) && !includeUnreachable) {
    const problems = [`${probe.message} Check the URL, or tick “Also add servers that do not answer right now”.`]
    return { entry, probe, result: { name: entry.name, kind: 'problem', problems } }
  }
  return { entry, probe, result: { name: entry.name, kind: 'ready', message: probe.message, notes: entry.notes } }
}

async function saveEntry(input: { workspaceId: string; userId: string }, entry: RemoteEntry, probe: ProbeResult, format: string): Promise<ImportResult> {
  const id = randomUUID()
  const headers = entry.headers.map((header) => {
    const headerId = randomUUID()
    return { id: headerId, name: header.name, encryptedValue: encryptHeaderValue(headerId, header.value) }
  })
  try {
    await createServer({
      id,
      workspaceId: input.workspaceId,
      createdById: input.userId,
      // Headers in the file say how the server authenticates; without them the probe decides.
      settings: {
        name: entry.name,
        url: entry.url,
        transport: entry.transport,
        authType: headers.length ? 'headers' : 'detect',
        timeoutMs: secondsToMs(SERVER_TIMEOUT_DEFAULT_SECONDS),
        enabled: true,
      },
      probe,
      oauth: { clientId: null, authMethod: null, encryptedClientSecret: null, scopes: null, exceptions: '' },
      headers,
    })
  } catch (error) {
    if (!(error instanceof DuplicateServerNameError)) throw error
    return { name: entry.name, kind: 'problem', problems: [error.message] }
  }
  const server = { id, name: entry.name }
  await recordAudit({ workspaceId: input.workspaceId, actorId: input.userId, server, event: 'server.created', detail: `${entry.url} — imported from ${format} — ${probe.message}` })
  for (const header of entry.headers) {
    await recordAudit({ workspaceId: input.workspaceId, actorId: input.userId, server, event: 'server.header_set', detail: `Header ${header.name} (value not recorded)` })
  }
  return { name: entry.name, kind: 'added', serverId: id, message: probe.message, notes: entry.notes }
}

/** `items` mapped by `task`, at most `limit` at a time, results in the items' order. */
async function mapLimit<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await task(items[index] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
