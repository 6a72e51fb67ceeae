import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { ToolsFailureCallout } from '#app/components/connect-form.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { ToolForm } from '#app/components/tool-form.tsx'
import { ToolResult } from '#app/components/tool-result.tsx'
import {
  type PendingToolCall,
  dropPendingToolCall,
  peekPendingToolCall,
  savePendingToolCall,
  takePendingToolCall,
} from '#app/models/pending-tool-call.server.ts'
import { type ServerSummary, requireServer } from '#app/models/server.server.ts'
import type { Tool } from '@modelcontextprotocol/sdk/types.js'
import { type ToolsFailure, callServerTool, keepsRefusing, listServerTools, stopsForSignIn } from '#app/mcp/tools.server.ts'
import { requireMembership } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { type Clipped, boundedJson, clipText, tooDeepSentence } from '#app/mcp/display-bounds.ts'
import { toDisplayResult } from '#app/mcp/tool-display.server.ts'
import { describeToolForm } from '#app/mcp/tool-input/describe.server.ts'
import { parseToolArguments } from '#app/mcp/tool-input/parse.server.ts'
import { formValuesFromArguments, formValuesFromSubmission } from '#app/mcp/tool-input/values.server.ts'

const runIntent = 'run-tool'
/** The input schema shown under "Input schema", and the tool's description: what a person can read. */
const MAX_SCHEMA_DISPLAY_CHARS = 100_000
const MAX_DESCRIPTION_CHARS = 20_000
const MAX_TITLE_CHARS = 200

/** The tool as the server lists it now (tools can change), or a 404 / a readable failure. */
async function loadTool(request: Request, params: LoaderFunctionArgs['params']) {
  const user = await requireUser(request)
  const { workspace } = await requireMembership(user.id, params.workspaceId ?? '')
  const server = await requireServer(workspace.id, params.serverId ?? '')
  const toolName = params.toolName ?? ''
  const listing = await listServerTools(user.id, server)
  const tool = listing.ok ? listing.value.find((t) => t.name === toolName) : undefined
  if (listing.ok && !tool) throw new Response(`${server.name} has no tool named “${toolName}”`, { status: 404 })
  return { user, workspace, server, toolName, tool, failure: listing.ok ? null : listing.failure }
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const loaded = await loadTool(request, params)
  const { user, workspace, server, toolName, tool } = loaded
  let failure: (ToolsFailure & { pending?: string | null }) | null = loaded.failure
  // Back from a Connect or a granted step-up: run the call that stopped, once.
  const resumeId = new URL(request.url).searchParams.get('resume')
  let resumed: Awaited<ReturnType<typeof resumeTool>> | null = null
  if (resumeId && tool) {
    const pending = await takePendingToolCall(resumeId, { userId: user.id, serverId: server.id, toolName: tool.name })
    if (pending) resumed = await resumeTool(user.id, server, tool, pending)
  } else if (resumeId && failure && stopsForSignIn(failure)) {
    // The tool list itself still stops for a sign-in: the next one is another round of the same
    // call, and after the last one the sentence replaces the button.
    failure = await carryPendingCall(resumeId, user.id, server, toolName, failure)
  }
  return {
    resumed,
    workspace,
    server: { id: server.id, name: server.name },
    toolName,
    failure,
    // Only bounded, display-ready values: the raw tool (a schema nested thousands deep, a
    // megabyte description) would go whole into the page's data.
    tool: tool
      ? {
          name: tool.name,
          title: clipOptional(tool.title ?? tool.annotations?.title, MAX_TITLE_CHARS),
          description: clipOptional(tool.description, MAX_DESCRIPTION_CHARS),
          hints: annotationHints(tool.annotations),
          schemaJson: boundedJson(tool.inputSchema, MAX_SCHEMA_DISPLAY_CHARS),
          form: describeToolForm(tool.inputSchema),
        }
      : null,
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { user, server, tool, failure } = await loadTool(request, params)
  const formData = await request.formData()
  if (formData.get('intent') !== runIntent) throw new Response('Unknown action', { status: 400 })
  if (!tool) {
    // Not connected, the sign-in ended, or tools/list itself needs more scopes: keep what was
    // submitted (checked against the tool's schema once it runs), so the Connect or step-up
    // counts its rounds for this call.
    const pending =
      failure && stopsForSignIn(failure)
        ? await savePendingToolCall({
            userId: user.id,
            serverId: server.id,
            toolName: params.toolName ?? '',
            input: { kind: 'form', fields: formFields(formData) },
            requestedScopes: failure.requested ?? '',
          })
        : null
    return data({ kind: 'failure' as const, failure: failure ? { ...failure, pending } : failure, values: null }, { status: 502 })
  }
  const parsed = parseToolArguments(formData, tool.inputSchema)
  const spec = describeToolForm(tool.inputSchema)
  if (!parsed.ok) {
    return data(
      {
        kind: 'invalid' as const,
        errors: { fieldErrors: parsed.fieldErrors, formErrors: parsed.formErrors },
        values: formValuesFromSubmission(formData, spec),
      },
      { status: 400 },
    )
  }
  const run = await runTool(user.id, server, tool, parsed.arguments)
  return data(run.data, { status: run.status })
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
async function resumeTool(userId: string, server: ServerSummary, tool: Tool, pending: PendingToolCall) {
  const carried = { rounds: pending.rounds, requestedScopes: pending.requestedScopes }
  if (pending.input.kind === 'arguments') return (await runTool(userId, server, tool, pending.input.arguments, carried)).data
  const formData = new URLSearchParams(pending.input.fields)
  const parsed = parseToolArguments(formData, tool.inputSchema)
  if (!parsed.ok) {
    return {
      kind: 'invalid' as const,
      errors: { fieldErrors: parsed.fieldErrors, formErrors: parsed.formErrors },
      values: formValuesFromSubmission(formData, describeToolForm(tool.inputSchema)),
    }
  }
  return (await runTool(userId, server, tool, parsed.arguments, carried)).data
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
) {
  const outcome = await callServerTool(userId, server, tool.name, args)
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
    return { status: 502, data: { kind: 'failure' as const, failure, values } }
  }
  return {
    status: 200,
    // Bounded here, on the server: only what the page shows goes into the action (or loader) data.
    data: { kind: 'result' as const, result: toDisplayResult(outcome.value.result), durationMs: outcome.value.durationMs, values },
  }
}

function clipOptional(text: string | undefined, max: number): string | null {
  if (!text) return null
  const clipped = clipText(text, max)
  return clipped.totalChars === undefined ? clipped.text : `${clipped.text}…`
}

const ANNOTATION_HINTS = [
  ['readOnlyHint', 'Read-only'],
  ['destructiveHint', 'May be destructive'],
  ['idempotentHint', 'Idempotent'],
  ['openWorldHint', 'Reaches outside systems'],
] as const

/** The labels of the hints a tool's annotations set to true. */
function annotationHints(annotations: Tool['annotations']): string[] {
  return ANNOTATION_HINTS.filter(([key]) => annotations?.[key] === true).map(([, label]) => label)
}

export default function ToolRoute() {
  const { workspace, server, tool, toolName, failure, resumed } = useLoaderData<typeof loader>()
  // A submitted form's answer wins; otherwise the result of a call resumed after a step-up.
  const actionData = useActionData<typeof action>() ?? resumed ?? undefined
  const here = `/w/${workspace.id}/servers/${server.id}/tools/${encodeURIComponent(toolName)}`
  return (
    <div className="page">
      <p>
        <Link to={`/w/${workspace.id}/tools?server=${server.id}`}>← Tools of {server.name}</Link>
      </p>
      <h1>{tool?.title ?? toolName}</h1>
      {tool?.title ? (
        <p>
          <code>{tool.name}</code> on {server.name}
        </p>
      ) : (
        <p>On {server.name}</p>
      )}
      {failure ? (
        <ToolsFailureCallout failure={failure} workspaceId={workspace.id} serverId={server.id} returnTo={here} tool={toolName} />
      ) : null}
      {tool ? (
        <>
          {tool.description ? <p className="tool-description">{tool.description}</p> : null}
          {tool.hints.length > 0 ? <Annotations hints={tool.hints} /> : null}
          <section className="card" aria-labelledby="run-heading">
            <h2 id="run-heading">Run</h2>
            <Form method="post" className="form" noValidate={false}>
              <ToolForm
                spec={tool.form}
                defaultValues={actionData?.values ?? undefined}
                errors={actionData?.kind === 'invalid' ? actionData.errors : undefined}
              />
              <StatusButton name="intent" value={runIntent} pendingText="Running…">
                Run tool
              </StatusButton>
            </Form>
          </section>
          {actionData?.kind === 'failure' && actionData.failure ? (
            <section className="card" aria-labelledby="result-heading">
              <h2 id="result-heading">Result</h2>
              <ToolsFailureCallout
                failure={actionData.failure}
                workspaceId={workspace.id}
                serverId={server.id}
                returnTo={here}
                tool={toolName}
              />
            </section>
          ) : null}
          {actionData?.kind === 'result' ? (
            <section className="card" aria-labelledby="result-heading">
              <h2 id="result-heading">Result</h2>
              <ToolResult result={actionData.result} durationMs={actionData.durationMs} />
            </section>
          ) : null}
          <details className="card">
            <summary>Input schema</summary>
            <SchemaJson clipped={tool.schemaJson} />
          </details>
        </>
      ) : null}
    </div>
  )
}

function Annotations({ hints }: { hints: string[] }) {
  return (
    <ul className="annotation-list" aria-label="Annotations">
      {hints.map((label) => (
        <li key={label} className="badge">
          {label}
        </li>
      ))}
    </ul>
  )
}

function SchemaJson({ clipped }: { clipped: Clipped }) {
  if (clipped.tooDeep !== undefined) return <p className="tool-form-notice">{tooDeepSentence('The input schema', clipped.tooDeep)}</p>
  return (
    <>
      <pre className="code-block">{clipped.text}</pre>
      {clipped.totalChars !== undefined ? (
        <p className="muted">
          Showing the first {new Intl.NumberFormat('en-US').format(clipped.text.length)} of{' '}
          {new Intl.NumberFormat('en-US').format(clipped.totalChars)} characters.
        </p>
      ) : null}
    </>
  )
}

export const meta: MetaFunction<typeof loader> = ({ data: loaderData }) => [
  { title: loaderData ? `${loaderData.tool?.title ?? loaderData.toolName} · Switchboard` : 'Tool · Switchboard' },
]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
