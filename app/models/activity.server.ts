// The audit log as people read it: audit events and recorded tool calls in one feed, newest first,
// filtered by person, server and kind, paged by keyset (createdAt, id) — never OFFSET, so a page
// deep in a long log costs what the first one does. ONE plain SQL statement per page: each branch
// walks its own index ((workspaceId, createdAt), (workspaceId, actorId, createdAt),
// (workspaceId, serverId, createdAt) on AuditEvent; ToolCall's by workspace, user or server) with
// its own LIMIT, and the union is cut to the page. Arguments of tool calls are never read here.
import { z } from 'zod'
import { Prisma } from '#app/generated/prisma-sqlite/client.ts'
import { auditLabel } from '#app/models/audit.server.ts'
import type { RecordedOutcome } from '#app/models/tool-call-log.server.ts'
import { SqlInteger, getDb } from '#app/utils/db.server.ts'

export const ACTIVITY_PAGE_SIZE = 50

const { sql, join, empty, raw } = Prisma
type Sql = Prisma.Sql

const KindSchema = z.enum(['server', 'oauth', 'member', 'workspace', 'agent', 'tool_call'])
export type ActivityKind = z.infer<typeof KindSchema>

/** The kinds a person can filter by: groups of audit events (by their dotted prefix), and tool calls. */
export const ACTIVITY_KINDS: Record<ActivityKind, string> = {
  server: 'Server changes',
  oauth: 'OAuth sign-ins',
  member: 'Members',
  workspace: 'Workspace',
  agent: 'Connected apps',
  tool_call: 'Tool calls',
}

/** What each stored tool-call outcome reads as. */
export const TOOL_CALL_OUTCOME_LABELS: Readonly<Record<string, string>> = {
  success: 'Succeeded',
  tool_error: 'Tool reported an error',
  failure: 'Failed',
  reauth_required: 'Needed a sign-in',
  refused: 'Refused',
  cancelled: 'Cancelled',
} satisfies Record<RecordedOutcome, string>

/** The words for a stored tool-call outcome (outcomes from newer versions show their name). */
export function toolCallOutcomeLabel(outcome: string): string {
  return Object.hasOwn(TOOL_CALL_OUTCOME_LABELS, outcome) ? (TOOL_CALL_OUTCOME_LABELS[outcome] ?? outcome) : outcome
}

/** Where a page starts: just older than this entry. */
export type ActivityCursor = { createdAt: Date; id: string }

export type ActivityFilter = { actorId: string | null; serverId: string | null; kind: ActivityKind | null }

const CURSOR_PATTERN = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)_([A-Za-z0-9]{1,64})$/

/** The `before` parameter of the next page: the last entry's time and id. */
export function formatCursor(entry: { createdAt: Date; id: string }): string {
  return `${entry.createdAt.toISOString()}_${entry.id}`
}

/** The cursor a `before` parameter names, or null when it names none (a made-up value starts at the newest). */
export function parseCursor(value: string | null): ActivityCursor | null {
  const match = value ? CURSOR_PATTERN.exec(value) : null
  if (!match?.[1] || !match[2]) return null
  const createdAt = new Date(match[1])
  return Number.isNaN(createdAt.getTime()) ? null : { createdAt, id: match[2] }
}

const IdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)

/** The filter a query string asks for; unknown values filter nothing (the page says what it shows). */
export function parseActivityFilter(params: URLSearchParams): ActivityFilter {
  const pick = <T>(schema: z.ZodType<T>, name: string) => {
    const parsed = schema.safeParse(params.get(name) || undefined)
    return parsed.success ? parsed.data : null
  }
  return { actorId: pick(IdSchema, 'person'), serverId: pick(IdSchema, 'server'), kind: pick(KindSchema, 'kind') }
}

// SQLite answers times as the ISO text Prisma stored, PostgreSQL as Date values.
const SqlTime = z.union([z.date(), z.string()]).transform((value) => new Date(value))

const RowSchema = z.object({
  source: z.enum(['audit', 'call']),
  id: z.string(),
  createdAt: SqlTime,
  event: z.string(),
  outcome: z.string(),
  serverId: z.string().nullable(),
  serverName: z.string().nullable(),
  detail: z.string().nullable(),
  issuer: z.string().nullable(),
  scopes: z.string().nullable(),
  durationMs: SqlInteger.nullable(),
  actorName: z.string().nullable(),
  actorEmail: z.string().nullable(),
  app: z.string().nullable(),
})

/** One line of the feed, with the words the page and the CSV show. Never a tool's arguments. */
export type ActivityEntry = {
  id: string
  createdAt: Date
  kind: 'event' | 'tool_call'
  /** "Server added", or for a call the tool's name. */
  what: string
  /** The stored outcome: success/failure for events, a tool-call outcome for calls. */
  outcome: string
  outcomeLabel: string
  serverId: string | null
  serverName: string | null
  actorName: string | null
  actorEmail: string | null
  detail: string | null
  issuer: string | null
  scopes: string | null
  durationMs: number | null
  /** For a call an agent made through the workspace's MCP endpoint: the app's name ("Claude Code"); else null. */
  app: string | null
}

function toEntry(raw: unknown): ActivityEntry {
  const row = RowSchema.parse(raw)
  const call = row.source === 'call'
  return {
    id: row.id,
    createdAt: row.createdAt,
    kind: call ? 'tool_call' : 'event',
    what: call ? row.event : auditLabel(row.event),
    outcome: row.outcome,
    outcomeLabel: call ? toolCallOutcomeLabel(row.outcome) : row.outcome === 'failure' ? 'Failed' : 'Succeeded',
    serverId: row.serverId,
    serverName: row.serverName,
    actorName: row.actorName,
    actorEmail: row.actorEmail,
    detail: row.detail,
    issuer: row.issuer,
    scopes: row.scopes,
    durationMs: row.durationMs,
    app: row.app,
  }
}

function keyset(alias: string, cursor: ActivityCursor | null): Sql {
  if (!cursor) return empty
  const createdAt = raw(`${alias}."createdAt"`)
  const id = raw(`${alias}."id"`)
  return sql` AND (${createdAt} < ${cursor.createdAt} OR (${createdAt} = ${cursor.createdAt} AND ${id} < ${cursor.id}))`
}

function auditBranch(workspaceId: string, filter: ActivityFilter, cursor: ActivityCursor | null, limit: number): Sql {
  const actor = filter.actorId ? sql` AND a."actorId" = ${filter.actorId}` : empty
  const server = filter.serverId ? sql` AND a."serverId" = ${filter.serverId}` : empty
  const kind = filter.kind ? sql` AND a."event" LIKE ${`${filter.kind}.%`}` : empty
  return sql`SELECT * FROM (
    SELECT 'audit' AS "source", a."id" AS "id", a."createdAt" AS "createdAt", a."event" AS "event",
           CAST(a."outcome" AS TEXT) AS "outcome", a."serverId" AS "serverId", a."serverName" AS "serverName",
           a."detail" AS "detail", a."issuer" AS "issuer", a."scopes" AS "scopes", CAST(NULL AS INTEGER) AS "durationMs",
           u."name" AS "actorName", u."email" AS "actorEmail", CAST(NULL AS TEXT) AS "app"
    FROM "AuditEvent" a LEFT JOIN "User" u ON u."id" = a."actorId"
    WHERE a."workspaceId" = ${workspaceId}${actor}${server}${kind}${keyset('a', cursor)}
    ORDER BY a."createdAt" DESC, a."id" DESC LIMIT ${limit}) AS audit_page`
}

function callBranch(workspaceId: string, filter: ActivityFilter, cursor: ActivityCursor | null, limit: number): Sql {
  const actor = filter.actorId ? sql` AND t."userId" = ${filter.actorId}` : empty
  const server = filter.serverId ? sql` AND t."serverId" = ${filter.serverId}` : empty
  return sql`SELECT * FROM (
    SELECT 'call' AS "source", t."id" AS "id", t."createdAt" AS "createdAt", t."toolName" AS "event",
           CAST(t."outcome" AS TEXT) AS "outcome", t."serverId" AS "serverId", t."serverName" AS "serverName",
           CAST(NULL AS TEXT) AS "detail", CAST(NULL AS TEXT) AS "issuer", CAST(NULL AS TEXT) AS "scopes",
           t."durationMs" AS "durationMs", u."name" AS "actorName", u."email" AS "actorEmail",
           CASE WHEN t."via" = 'agent' THEN COALESCE(t."agentClientName", 'an app') ELSE NULL END AS "app"
    FROM "ToolCall" t LEFT JOIN "User" u ON u."id" = t."userId"
    WHERE t."workspaceId" = ${workspaceId}${actor}${server}${keyset('t', cursor)}
    ORDER BY t."createdAt" DESC, t."id" DESC LIMIT ${limit}) AS call_page`
}

/**
 * One page of `workspaceId`'s feed (the caller has checked the person may read it), newest
 * first, older than `cursor`; `hasMore` says whether an older page exists. One statement.
 */
export async function listActivity(
  workspaceId: string,
  filter: ActivityFilter,
  cursor: ActivityCursor | null,
  pageSize: number = ACTIVITY_PAGE_SIZE,
): Promise<{ entries: ActivityEntry[]; hasMore: boolean }> {
  const limit = pageSize + 1
  const branches = [
    filter.kind !== 'tool_call' ? auditBranch(workspaceId, filter, cursor, limit) : null,
    filter.kind === null || filter.kind === 'tool_call' ? callBranch(workspaceId, filter, cursor, limit) : null,
  ].filter((branch): branch is Sql => branch !== null)
  const rows = await getDb().$queryRaw<unknown[]>`
    SELECT * FROM (${join(branches, ' UNION ALL ')}) AS feed
    ORDER BY "createdAt" DESC, "id" DESC LIMIT ${limit}`
  const entries = rows.map(toEntry)
  return { entries: entries.slice(0, pageSize), hasMore: entries.length > pageSize }
}

const OptionRowSchema = z.object({ kind: z.enum(['person', 'server']), id: z.string(), name: z.string(), email: z.string().nullable() })

/**
 * What the filters offer: the workspace's members (by name) and servers (by name). One statement.
 * People who have left and deleted servers are not offered; their lines still show in the log.
 */
export async function activityFilterOptions(workspaceId: string) {
  const rows = await getDb().$queryRaw<unknown[]>`
    SELECT 'person' AS "kind", u."id" AS "id", u."name" AS "name", u."email" AS "email"
    FROM "Membership" m JOIN "User" u ON u."id" = m."userId" WHERE m."workspaceId" = ${workspaceId}
    UNION ALL
    SELECT 'server' AS "kind", s."id" AS "id", s."name" AS "name", CAST(NULL AS TEXT) AS "email"
    FROM "McpServer" s WHERE s."workspaceId" = ${workspaceId}`
  const options = rows.map((raw) => OptionRowSchema.parse(raw))
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name)
  return {
    people: options.filter((o) => o.kind === 'person').map((o) => ({ id: o.id, label: `${o.name} (${o.email ?? ''})`, name: o.name })).sort(byName),
    servers: options.filter((o) => o.kind === 'server').map((o) => ({ id: o.id, label: o.name, name: o.name })).sort(byName),
  }
}

/**
 * The audit page for a query string: the filters it asks for (with what they offer), one page of
 * entries and the `before` of the next. Two statements.
 */
export async function auditPage(workspaceId: string, params: URLSearchParams) {
  const filter = parseActivityFilter(params)
  const [options, page] = await Promise.all([
    activityFilterOptions(workspaceId),
    listActivity(workspaceId, filter, parseCursor(params.get('before'))),
  ])
  const last = page.entries.at(-1)
  return {
    filter,
    options,
    entries: page.entries,
    paged: params.has('before'),
    nextBefore: page.hasMore && last ? formatCursor(last) : null,
  }
}
