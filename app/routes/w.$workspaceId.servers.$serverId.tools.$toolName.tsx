import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useRevalidator } from '@remix-run/react'
import { CALL_OUTCOME_TONES, formatCallDuration, formatUtc } from '#app/components/formats.ts'
import { ToolsFailureCallout } from '#app/components/connect-form.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { ToolForm } from '#app/components/tool-form.tsx'
import { ToolResult } from '#app/components/tool-result.tsx'
import { RunningPanel, useStreamedToolRun } from '#app/components/tool-run-stream.tsx'
import { ToolBadges } from '#app/components/tool-badges.tsx'
import { ConfirmRunField } from '#app/components/confirm-run-field.tsx'
import { type Clipped, tooDeepSentence } from '#app/mcp/display-bounds.ts'
import { openToolPage, runToolFromForm } from '#app/mcp/tool-call.server.ts'
import { requireServer } from '#app/models/server.server.ts'
import { requireMembership } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { canManageWorkspace } from '#app/utils/permissions.ts'

// The arguments form is generated from the tool's input schema and parsed against it
// (mcp/tool-input/parse.server.ts); the button's intent is the one field of ours.
const runIntent = 'run-tool'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace, role } = await requireMembership(user.id, params.workspaceId ?? '')
  const server = await requireServer(workspace.id, params.serverId ?? '')
  const toolName = params.toolName ?? ''
  // Back from a Connect or a granted step-up: the call that stopped runs once.
  const search = new URL(request.url).searchParams
  const page = await openToolPage({ userId: user.id, server, toolName, resumeId: search.get('resume'), againId: search.get('again') })
  return { ...page, workspace, server: { id: server.id, name: server.name }, toolName, canManage: canManageWorkspace(role) }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireMembership(user.id, params.workspaceId ?? '')
  const server = await requireServer(workspace.id, params.serverId ?? '')
  const formData = await request.formData()
  if (formData.get('intent') !== runIntent) throw new Response('Unknown action', { status: 400 })
  const { status, run } = await runToolFromForm({ userId: user.id, server, toolName: params.toolName ?? '', formData })
  return data(run, { status })
}

export default function ToolRoute() {
  const { again } = useLoaderData<typeof loader>()
  // "Run again" starts the page afresh (its form filled with that call's arguments).
  return <ToolPage key={again?.id ?? ''} />
}

function ToolPage() {
  const { workspace, server, tool, toolName, failure, resumed, canManage, history, again } = useLoaderData<typeof loader>()
  const here = `/w/${workspace.id}/servers/${server.id}/tools/${encodeURIComponent(toolName)}`
  const revalidator = useRevalidator()
  // With JavaScript the run streams (progress, Cancel); without, the form posts to the action.
  // Either way the run joins "Your recent runs" (the loader runs again).
  const streamed = useStreamedToolRun(`${here}/run`, () => revalidator.revalidate())
  const posted = useActionData<typeof action>()
  // The latest answer wins: a streamed run, a submitted form's, or a call resumed after a step-up.
  const actionData = (streamed.state.phase === 'done' ? streamed.state.run : null) ?? posted ?? resumed ?? undefined
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
        <ToolsFailureCallout
          failure={failure}
          workspaceId={workspace.id}
          serverId={server.id}
          returnTo={here}
          tool={toolName}
          canManage={canManage}
        />
      ) : null}
      {tool ? (
        <>
          {tool.description ? <p className="tool-description">{tool.description}</p> : null}
          <ToolBadges badges={tool.badges} needsConfirmation={tool.needsConfirmation} />
          <section className="card" aria-labelledby="run-heading">
            <h2 id="run-heading">Run</h2>
            <Form
              method="post"
              className="form"
              noValidate={false}
              onSubmit={(event) => {
                event.preventDefault()
                void streamed.start(event.currentTarget, (event.nativeEvent as SubmitEvent).submitter)
              }}
            >
              <ToolForm
                spec={tool.form}
                defaultValues={actionData?.values ?? again?.values ?? undefined}
                errors={actionData?.kind === 'invalid' ? actionData.errors : undefined}
              />
              {tool.needsConfirmation ? <ConfirmRunField /> : null}
              <StatusButton name="intent" value={runIntent} pendingText="Running…">
                Run tool
              </StatusButton>
            </Form>
          </section>
          {streamed.state.phase === 'running' ? (
            <RunningPanel startedAt={streamed.state.startedAt} progress={streamed.state.progress} onCancel={streamed.cancel} />
          ) : null}
          {streamed.state.phase === 'done' && streamed.state.message ? (
            <p className="callout callout-error" role="alert">
              {streamed.state.message}
            </p>
          ) : null}
          {actionData?.kind === 'failure' && actionData.failure ? (
            <section className="card" aria-labelledby="result-heading">
              <h2 id="result-heading">Result</h2>
              <ToolsFailureCallout
                failure={actionData.failure}
                workspaceId={workspace.id}
                serverId={server.id}
                returnTo={here}
                tool={toolName}
                canManage={canManage}
              />
            </section>
          ) : null}
          {actionData?.kind === 'result' ? (
            <section className="card" aria-labelledby="result-heading">
              <h2 id="result-heading">Result</h2>
              <ToolResult
                result={actionData.result}
                durationMs={actionData.durationMs}
                resourceHref={(uri) => `/w/${workspace.id}/servers/${server.id}/resources/read?uri=${encodeURIComponent(uri)}`}
              />
            </section>
          ) : null}
          {history.length > 0 ? <RecentRuns history={history} here={here} /> : null}
          <details className="card">
            <summary>Input schema</summary>
            <SchemaJson clipped={tool.schemaJson} />
          </details>
        </>
      ) : null}
    </div>
  )
}

/** The person's own latest runs of this tool, each with "Run again" when its arguments were kept. */
function RecentRuns({ history, here }: { history: Array<{ id: string; outcome: string; label: string; durationMs: number; at: string; rerunnable: boolean }>; here: string }) {
  return (
    <section className="card" aria-labelledby="history-heading">
      <h2 id="history-heading">Your recent runs</h2>
      <ul className="history-list">
        {history.map((entry) => (
          <li key={entry.id}>
            <span className="nowrap">{formatUtc(entry.at, { seconds: true })}</span>
            <span className={`badge badge-${CALL_OUTCOME_TONES[entry.outcome] ?? 'neutral'}`}>{entry.label}</span>
            <span className="muted">{formatCallDuration(entry.durationMs)}</span>
            {entry.rerunnable ? (
              <Link to={`${here}?again=${entry.id}`} aria-label={`Run again with the arguments of ${formatUtc(entry.at, { seconds: true })}`}>
                Run again
              </Link>
            ) : (
              <span className="muted">Arguments not kept</span>
            )}
          </li>
        ))}
      </ul>
      <p className="muted">Only you see your runs. “Run again” fills the form with that run’s arguments; press Run tool to send it.</p>
    </section>
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
