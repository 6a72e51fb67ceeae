// The audit log's filtered view as CSV (RFC 4180), streamed page by page on the same keyset as the
// page itself. Only what the page shows: never a tool's arguments, never a secret. Cells that a
// spreadsheet would read as a formula are defused (OWASP "CSV Injection").
import { type ActivityEntry, type ActivityFilter, type ActivityCursor, listActivity } from '#app/models/activity.server.ts'

/** Rows read per statement while streaming. */
const CSV_BATCH_ROWS = 500
/** The most rows one export holds; the last line says when the log holds more. */
export const MAX_CSV_ROWS = 50_000

const HEADER = ['time_utc', 'person', 'email', 'kind', 'what', 'outcome', 'server', 'duration_ms', 'details', 'authorization_server', 'scopes', 'app']

/**
 * One CSV cell: quoted, inner quotes doubled, and a leading = + - @ tab or carriage return
 * prefixed with an apostrophe so that no spreadsheet evaluates it.
 */
export function csvCell(value: string | number | null): string {
  const text = value === null ? '' : String(value)
  const defused = typeof value === 'string' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text
  return `"${defused.replaceAll('"', '""')}"`
}

function csvLine(cells: Array<string | number | null>): string {
  return `${cells.map(csvCell).join(',')}\r\n`
}

function entryLine(entry: ActivityEntry): string {
  return csvLine([
    entry.createdAt.toISOString(),
    entry.actorName,
    entry.actorEmail,
    entry.kind === 'tool_call' ? 'tool call' : 'event',
    entry.what,
    entry.outcomeLabel,
    entry.serverName,
    entry.durationMs,
    entry.detail,
    entry.issuer,
    entry.scopes,
    entry.app,
  ])
}

/** The filtered log of `workspaceId` (the caller has checked the person may read it), newest first, as a stream of CSV text. */
export function activityCsv(workspaceId: string, filter: ActivityFilter): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  let cursor: ActivityCursor | null = null
  let written = 0
  let started = false
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true
        controller.enqueue(encoder.encode(csvLine(HEADER)))
        return
      }
      const { entries, hasMore } = await listActivity(workspaceId, filter, cursor, Math.min(CSV_BATCH_ROWS, MAX_CSV_ROWS - written))
      written += entries.length
      const text = entries.map(entryLine).join('')
      if (text) controller.enqueue(encoder.encode(text))
      const last = entries.at(-1)
      if (!hasMore || !last) return controller.close()
      if (written >= MAX_CSV_ROWS) {
        controller.enqueue(encoder.encode(csvLine([`Stopped after ${MAX_CSV_ROWS} rows: narrow the filters to export older entries.`])))
        return controller.close()
      }
      cursor = { createdAt: last.createdAt, id: last.id }
    },
  })
}
