import { parseWithZod } from '@conform-to/zod/v4'
import { getDb } from '#app/utils/db.server.ts'
import { type ProbeResult, probeMcpServer } from '#app/utils/mcp-probe.server.ts'
import { type ServerForm, ServerFormSchema, secondsToMs } from '#app/utils/server-validation.ts'

/** Probe outcomes that mean "the server could not be reached as an MCP server at all". */
const UNREACHABLE_OUTCOMES = new Set(['not_mcp', 'dns_failure', 'connect_refused', 'tls_error', 'timeout', 'too_large', 'server_error', 'network', 'protocol_error'])

/**
 * Parses the add/edit server form, with the unique-name check against the database.
 * `exceptServerId` is the server being edited (its own name is not a duplicate).
 */
export function parseServerForm(formData: FormData, workspaceId: string, exceptServerId?: string) {
  return parseWithZod(formData, {
    async: true,
    schema: ServerFormSchema.superRefine(async (value, ctx) => {
      const clash = await getDb().mcpServer.findFirst({
        where: { workspaceId, name: value.name, ...(exceptServerId ? { NOT: { id: exceptServerId } } : {}) },
        select: { id: true },
      })
      if (clash) ctx.addIssue({ code: 'custom', path: ['name'], message: 'A server with this name already exists in this workspace' })
    }),
  })
}

export type ProbeVerdict = { ok: true; probe: ProbeResult } | { ok: false; probe: ProbeResult; field: 'url' | null; message: string }

/**
 * Probes the server the form describes. A refusal by the outbound rules is an error on the
 * URL field; an unreachable server is an error too unless the admin ticked "save anyway".
 */
export async function probeForForm(value: ServerForm, headers: Record<string, string> = {}): Promise<ProbeVerdict> {
  const probe = await probeMcpServer({
    url: value.url,
    transport: value.transport,
    headers,
    timeoutMs: secondsToMs(value.timeoutSeconds),
  })
  if (probe.outcome === 'blocked') return { ok: false, probe, field: 'url', message: probe.message }
  if (UNREACHABLE_OUTCOMES.has(probe.outcome) && !value.saveUnreachable) {
    return {
      ok: false,
      probe,
      field: null,
      message: `${probe.message} Check the URL, or tick “Save anyway” if the server is down right now.`,
    }
  }
  return { ok: true, probe }
}
