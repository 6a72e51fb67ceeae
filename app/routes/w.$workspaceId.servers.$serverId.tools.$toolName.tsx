import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { ToolsFailureCallout } from '#app/components/connect-form.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { ToolForm } from '#app/components/tool-form.tsx'
import { ToolResult } from '#app/components/tool-result.tsx'
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
  const resumeId = new URL(request.url).searchParams.get('resume')
  const page = await openToolPage({ userId: user.id, server, toolName, resumeId })
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
  const { workspace, server, tool, toolName, failure, resumed, canManage } = useLoaderData<typeof loader>()
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
                canManage={canManage}
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
