import { parseWithZod } from '@conform-to/zod/v4'
import { getDb } from '#app/utils/db.server.ts'
import { type ProbeResult, probeMcpServer } from '#app/mcp/probe.server.ts'
import type { z } from 'zod'
import { type ServerForm, secondsToMs } from '#app/utils/server-validation.ts'

/** Probe outcomes that mean "the server could not be reached as an MCP server at all". */
const UNREACHABLE_OUTCOMES = new Set(['not_mcp', 'dns_failure', 'connect_refused', 'tls_error', 'timeout', 'too_large', 'server_error', 'network', 'protocol_error'])

/**
 * Parses the add/edit server form, with the unique-name check against the database.
 * `schema` is ServerFormSchema or the add form's AddServerFormSchema; `exceptServerId` is the
 * server being edited (its own name is not a duplicate).
 */
export function parseServerForm<Schema extends z.ZodType<ServerForm>>(
  formData: FormData,
  workspaceId: string,
  schema: Schema,
  exceptServerId?: string,
) {
  return parseWithZod(formData, {
    async: true,
    schema: schema.superRefine(async (value, ctx) => {
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

/**
 * The way in an admin chose for a server that "needs credentials" (decision 016): `required`
 * when the probe said so and Authentication is "Detect"; the choice (undefined while still to be
 * made) and the auth type it means.
 */
export function credentialChoice(
  probeOutcome: string | null | undefined,
  value: Pick<ServerForm, 'authType' | 'credentialKind'>,
): { required: boolean; choice: ServerForm['credentialKind']; authType: ServerForm['authType'] } {
  const required = probeOutcome === 'credentials_required' && value.authType === 'detect'
  const choice = required ? value.credentialKind : undefined
  return { required, choice, authType: choice === 'headers' ? 'headers' : choice === 'oauth-legacy' ? 'oauth' : value.authType }
}

/** `?client=needed` on a server page: Add found no way for Switchboard to identify itself. */
export const CLIENT_NEEDED_PARAM = 'needed'
export const CLIENT_NEEDED_MESSAGE =
  'Switchboard cannot identify itself to this server’s authorization server: it offers no client registration and does not accept Client ID Metadata Documents. Register a client there with the redirect URI above, then enter its client ID and secret here. Then press Connect.'

/**
 * Where Add sends an admin who must enter a pre-registered client first: the client ID field
 * has `autofocus` there. NOTE: no #fragment, since browsers skip autofocus when the URL targets an element.
 */
export function clientNeededPath(serverPath: string): string {
  return `${serverPath}?client=${CLIENT_NEEDED_PARAM}`
}
