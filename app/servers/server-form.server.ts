// The add and edit server forms on the server side: parsing with the database check, the probe
// that decides whether the form is accepted, and the "needs credentials" choice (decision 016).
import { parseWithZod } from '@conform-to/zod/v4'
import type { z } from 'zod'
import { isServerNameTaken } from '#app/models/server-write.server.ts'
import { suggestEndpoint } from '#app/mcp/endpoint-suggestion.server.ts'
import { type ProbeResult, probeMcpServer } from '#app/mcp/probe.server.ts'
import { type ServerForm, secondsToMs } from '#app/servers/validation.ts'

/** Probe outcomes that mean "the server could not be reached as an MCP server at all". */
export const UNREACHABLE_OUTCOMES: ReadonlySet<string> = new Set(['not_mcp', 'dns_failure', 'connect_refused', 'tls_error', 'timeout', 'too_large', 'server_error', 'network', 'protocol_error'])

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
      if (await isServerNameTaken(workspaceId, value.name, exceptServerId)) {
        ctx.addIssue({ code: 'custom', path: ['name'], message: 'A server with this name already exists in this workspace' })
      }
    }),
  })
}

/** Why a server form was not accepted: on a field (or the whole form), and what the page offers next. */
export type ServerFormProblem = {
  ok: false
  field: 'url' | 'name' | 'credentialKind' | null
  message: string
  /** The probe could not reach the server: the page offers "Save anyway". */
  probeFailed: boolean
  /** The server needs credentials of an unknown kind: the page asks which. */
  credentialsRequired: boolean
  /** Nothing answers as MCP at the URL, but this address on the same server does ("Did you mean …?"). */
  suggestedUrl?: string | null
}

export type ProbeVerdict = { ok: true; probe: ProbeResult } | ServerFormProblem

/**
 * Probes the server the form describes. A refusal by the outbound rules is an error on the
 * URL field; an unreachable server is an error too unless the admin ticked "save anyway".
 */
export async function probeForForm(value: ServerForm, headers: Record<string, string> = {}): Promise<ProbeVerdict> {
  const endpoint = { url: value.url, transport: value.transport, headers, timeoutMs: secondsToMs(value.timeoutSeconds) }
  const probe = await probeMcpServer(endpoint)
  if (probe.outcome === 'blocked') return { ok: false, field: 'url', message: probe.message, probeFailed: false, credentialsRequired: false }
  if (UNREACHABLE_OUTCOMES.has(probe.outcome) && !value.saveUnreachable) {
    // The server is up but the path is wrong: "Save anyway" would be the wrong advice.
    const suggestedUrl = await suggestEndpoint(endpoint, probe)
    if (suggestedUrl) {
      const message = `Did you mean ${suggestedUrl}? Nothing answers as an MCP server at this address, but that one does.`
      return { ok: false, field: 'url', message, probeFailed: false, credentialsRequired: false, suggestedUrl }
    }
    return {
      ok: false,
      field: null,
      message: `${probe.message} Check the URL, or tick “Save anyway” if the server is down right now.`,
      probeFailed: true,
      credentialsRequired: false,
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
