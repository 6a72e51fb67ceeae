// A tool's page as a use case: the tool as the server lists it now, a call from its form, and
// a call that stopped for a sign-in or more scopes, kept (encrypted) and run once the person is
// back (`?resume=<id>`, oauth/connect.server.ts counts its rounds). Calls go through
// mcp/tools.server.ts (sessions, refresh and step-up).
import type { Tool } from '@modelcontextprotocol/client'
import {
  type PendingToolCall,
  dropPendingToolCall,
  peekPendingToolCall,
  savePendingToolCall,
  takePendingToolCall,
} from '#app/models/pending-tool-call.server.ts'
import type { ServerSummary } from '#app/models/server.server.ts'
import { listToolCallHistory, readToolCallArguments } from '#app/models/tool-call-history.server.ts'
import { recordToolCall, recordedCall, recordedOutcomeOf } from '#app/models/tool-call-log.server.ts'
import { boundedJson, clipText } from '#app/mcp/display-bounds.ts'
import { toDisplayResult } from '#app/mcp/tool-display.server.ts'
import { describeToolForm } from '#app/mcp/tool-input/describe.server.ts'
import { parseToolArguments } from '#app/mcp/tool-input/parse.server.ts'
import { formValuesFromArguments, formValuesFromSubmission } from '#app/mcp/tool-input/values.server.ts'
import { type ToolCallOptions, type ToolsFailure, callServerTool, keepsRefusing, listServerTools, stopsForSignIn } from '#app/mcp/tools.server.ts'
import { toolBadges } from '#app/mcp/tool-annotations.ts'
import { confirmationMissing, requireToolAllowed } from '#app/mcp/tool-policy.server.ts'

/** The input schema shown under "Input schema", and the tool's description: what a person can read. */
const MAX_SCHEMA_DISPLAY_CHARS = 100_000
const MAX_DESCRIPTION_CHARS = 20_000
const MAX_TITLE_CHARS = 200

type Values = ReturnType<typeof formValuesFromArguments>

/** What a run (or a resumed call) shows under the form; `status` is the action's HTTP status. */
export type ToolRun =
  | { kind: 'result'; result: ReturnType<typeof toDisplayResult>; durationMs: number; values: Values }
  | { kind: 'failure'; failure: (ToolsFailure & { pending: string | null }) | null; values: Values | null }
  | { kind: 'invalid'; errors: { fieldErrors: Record<string, string[]>; formErrors: string[] }; values: Values }

/** The tool as the server lists it now (tools can change); a 404 when it lists no such tool. */
async function loadTool(userId: string, server: ServerSummary, toolName: string) {
  const listing = await listServerTools(userId, server)
  const tool = listing.ok ? listing.value.find((t) => t.name === toolName) : undefined
  if (listing.ok && !tool) throw new Response(`${server.name} has no tool named “${toolName}”`, { status: 404 })
  // A tool an admin turned off: a 403 with the sentence, for the page and a direct POST alike.
  const needsConfirmation = await requireToolAllowed(userId, server, toolName)
  return { tool, failure: listing.ok ? null : listing.failure, needsConfirmation }
}

/**
 * The tool page: the tool (bounded, display-ready) or why it cannot be listed, and, back from a
 * Connect or a granted step-up (`resumeId`), the result of the call that stopped, run once.
 */
export async function openToolPage(input: {
  userId: string
  server: ServerSummary
  toolName: string
  resumeId: string | null
  /** "Run again": the form is filled with the arguments of this earlier call of the person's. */
  againId?: string | null
}) {
  const { userId, server, toolName, resumeId } = input
  const owner = { userId, serverId: server.id, toolName }
  const [{ tool, failure: listFailure, needsConfirmation }, history, againArguments] = await Promise.all([
    loadTool(userId, server, toolName),
    listToolCallHistory(userId, server.id, toolName),
    input.againId ? readToolCallArguments(input.againId, owner) : Promise.resolve(null),
  ])
  let failure: (ToolsFailure & { pending?: string | null }) | null = listFailure
  let resumed: ToolRun | null = null
  if (resumeId && tool) {
    const pending = await takePendingToolCall(resumeId, { userId, serverId: server.id, toolName: tool.name })
    if (pending) resumed = await resumeTool(userId, server, tool, pending)
  } else if (resumeId && failure && stopsForSignIn(failure)) {
    // The tool list itself still stops for a sign-in: the next one is another round of the same
    // call, and after the last one the sentence replaces the button.
    failure = await carryPendingCall(resumeId, userId, server, toolName, failure)
  }
  // Only bounded, display-ready values: the raw tool (a schema nested thousands deep, a
  // megabyte description) would go whole into the page's data.
  const again = tool && againArguments && input.againId ? { id: input.againId, values: formValuesFromArguments(againArguments, describeToolForm(tool.inputSchema)) } : null
  return { failure, resumed, history, again, tool: tool ? { ...displayTool(tool), needsConfirmation } : null }
}

/**
 * Runs the tool with the submitted form. Not connected, the sign-in ended, or tools/list itself
 * needs more scopes: what was submitted is kept (checked against the tool's schema once it
 * runs), so the Connect or step-up counts its rounds for this call.
 */
export async function runToolFromForm(input: {
  userId: string
  server: ServerSummary
  toolName: string
  formData: FormData
  /** With JavaScript, the run streams its progress and can be cancelled (tools.$toolName.run.ts). */
  follow?: ToolCallOptions
}): Promise<{ status: number; run: ToolRun }> {
  const { userId, server, toolName, formData } = input
  const started = performance.now()
  const { tool, failure, needsConfirmation } = await loadTool(userId, server, toolName)
  const stopped = { server, userId, toolName, arguments: null, durationMs: performance.now() - started }
  if (!tool) {
    if (failure) await recordToolCall({ ...stopped, outcome: recordedOutcomeOf({ ok: false, failure }) })
    const pending =
      failure && stopsForSignIn(failure)
        ? await savePendingToolCall({
            userId,
            serverId: server.id,
            toolName,
            input: { kind: 'form', fields: formFields(formData) },
            requestedScopes: failure.requested ?? '',
          })
        : null
    return { status: 502, run: { kind: 'failure', failure: failure ? { ...failure, pending } : null, values: null } }
  }
  const parsed = parseToolArguments(formData, tool.inputSchema)
  if (!parsed.ok) {
    await recordToolCall({ ...stopped, outcome: 'refused' })
    return { status: 400, run: invalidRun(parsed, formData, tool) }
  }
  const unconfirmed = confirmationMissing(needsConfirmation, formData)
  if (unconfirmed) return { status: 400, run: invalidRun(unconfirmed, formData, tool) }
  return runTool(userId, server, tool, parsed.arguments, undefined, input.follow)
}

function invalidRun(parsed: { fieldErrors: Record<string, string[]>; formErrors: string[] }, formData: FormData | URLSearchParams, tool: Tool): ToolRun {
  return {
    kind: 'invalid',
    errors: { fieldErrors: parsed.fieldErrors, formErrors: parsed.formErrors },
    values: formValuesFromSubmission(formData, describeToolForm(tool.inputSchema)),
  }
}

/** The page's failure for a stopped call that came back without a tool list: its rounds go on, or end. */
async function carryPendingCall(id: string, userId: string, server: ServerSummary, toolName: string, failure: ToolsFailure) {
  const owner = { userId, serverId: server.id }
  const pending = await peekPendingToolCall(id, { ...owner, toolName })
  if (!pending) return failure
  const refusal = keepsRefusing(server, toolName, pending.rounds, failure.requested || pending.requestedScopes, failure)
  if (!refusal) return { ...failure, pending: id }
  await dropPendingToolCall(id, owner)
  return refusal
}

/** The submitted fields (text only: tool forms have no files), without the button's intent. */
function formFields(formData: FormData): Array<[string, string]> {
  return [...formData.entries()].flatMap(([name, value]): Array<[string, string]> => (name !== 'intent' && typeof value === 'string' ? [[name, value]] : []))
}

/** Runs a stopped call once: its arguments as kept, or the kept form checked against the schema now. */
async function resumeTool(userId: string, server: ServerSummary, tool: Tool, pending: PendingToolCall): Promise<ToolRun> {
  const carried = { rounds: pending.rounds, requestedScopes: pending.requestedScopes }
  if (pending.input.kind === 'arguments') return (await runTool(userId, server, tool, pending.input.arguments, carried)).run
  const formData = new URLSearchParams(pending.input.fields)
  const parsed = parseToolArguments(formData, tool.inputSchema)
  if (!parsed.ok) return invalidRun(parsed, formData, tool)
  return (await runTool(userId, server, tool, parsed.arguments, carried)).run
}

/**
 * Calls the tool. A call stopped for a sign-in or more scopes is kept, with the rounds it made
 * so far, to run once access is granted; after the last round it ends with a sentence instead.
 */
async function runTool(
  userId: string,
  server: ServerSummary,
  tool: Tool,
  args: Record<string, unknown>,
  carried: { rounds: number; requestedScopes: string } = { rounds: 0, requestedScopes: '' },
  follow: ToolCallOptions = {},
): Promise<{ status: number; run: ToolRun }> {
  const outcome = await recordedCall({ server, userId, toolName: tool.name, arguments: args }, () => callServerTool(userId, server, tool.name, args, follow))
  const values = formValuesFromArguments(args, describeToolForm(tool.inputSchema))
  if (!outcome.ok) {
    let failure: ToolsFailure & { pending: string | null } = { ...outcome.failure, pending: null }
    if (stopsForSignIn(outcome.failure)) {
      const requestedScopes = outcome.failure.requested ?? carried.requestedScopes
      failure = keepsRefusing(server, tool.name, carried.rounds, requestedScopes, outcome.failure) ?? {
        ...outcome.failure,
        pending: await savePendingToolCall({
          userId,
          serverId: server.id,
          toolName: tool.name,
          input: { kind: 'arguments', arguments: args },
          rounds: carried.rounds,
          requestedScopes,
        }),
      }
    }
    return { status: 502, run: { kind: 'failure', failure, values } }
  }
  // Bounded here, on the server: only what the page shows goes into the action (or loader) data.
  return { status: 200, run: { kind: 'result', result: toDisplayResult(outcome.value.result), durationMs: outcome.value.durationMs, values } }
}

function displayTool(tool: Tool) {
  return {
    name: tool.name,
    title: clipOptional(tool.title ?? tool.annotations?.title, MAX_TITLE_CHARS),
    description: clipOptional(tool.description, MAX_DESCRIPTION_CHARS),
    badges: toolBadges(tool.annotations),
    schemaJson: boundedJson(tool.inputSchema, MAX_SCHEMA_DISPLAY_CHARS),
    form: describeToolForm(tool.inputSchema),
  }
}

function clipOptional(text: string | undefined, max: number): string | null {
  if (!text) return null
  const clipped = clipText(text, max)
  return clipped.totalChars === undefined ? clipped.text : `${clipped.text}…`
}
