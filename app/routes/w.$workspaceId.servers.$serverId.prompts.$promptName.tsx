import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { ToolsFailureCallout } from '#app/components/connect-form.tsx'
import { ErrorList } from '#app/components/forms.tsx'
import { ServerNav } from '#app/components/server-nav.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { ToolResult } from '#app/components/tool-result.tsx'
import { findServerPrompt, getServerPrompt } from '#app/mcp/prompts.server.ts'
import { requireServer } from '#app/models/server.server.ts'
import { requireMembership } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'

const MAX_ARGUMENT_CHARS = 10_000

async function loadPrompt(request: Request, params: { workspaceId?: string; serverId?: string; promptName?: string }) {
  const user = await requireUser(request)
  const { workspace } = await requireMembership(user.id, params.workspaceId ?? '')
  const server = await requireServer(workspace.id, params.serverId ?? '')
  const name = params.promptName ?? ''
  const found = await findServerPrompt(user.id, server, name)
  return { user, workspace, server, name, found }
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { workspace, server, name, found } = await loadPrompt(request, params)
  if (found.ok && !found.value) throw new Response(`${server.name} has no prompt named ${name}.`, { status: 404 })
  return { workspaceId: workspace.id, server: { id: server.id, name: server.name }, name, prompt: found.ok ? found.value : null, failure: found.ok ? null : found.failure }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { user, server, name, found } = await loadPrompt(request, params)
  if (!found.ok) return data({ errors: {} as Record<string, string>, values: {} as Record<string, string>, messages: null, failure: found.failure }, { status: 502 })
  if (!found.value) throw new Response(`${server.name} has no prompt named ${name}.`, { status: 404 })
  const formData = await request.formData()
  const values: Record<string, string> = {}
  const errors: Record<string, string> = {}
  for (const argument of found.value.arguments) {
    const raw = formData.get(`arg.${argument.name}`)
    const value = typeof raw === 'string' ? raw : ''
    if (value.length > MAX_ARGUMENT_CHARS) errors[argument.name] = `Use at most ${MAX_ARGUMENT_CHARS.toLocaleString('en-US')} characters`
    else if (argument.required && !value.trim()) errors[argument.name] = `Enter ${argument.name}`
    else if (value !== '') values[argument.name] = value
  }
  if (Object.keys(errors).length > 0) return data({ errors, values, messages: null, failure: null }, { status: 400 })
  const got = await getServerPrompt(user.id, server, name, values)
  return data({ errors, values, messages: got.ok ? got.value : null, failure: got.ok ? null : got.failure }, { status: got.ok ? 200 : 502 })
}

export default function PromptRoute() {
  const { workspaceId, server, name, prompt, failure } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const base = `/w/${workspaceId}/servers/${server.id}`
  const here = `${base}/prompts/${encodeURIComponent(name)}`
  const shownFailure = actionData?.failure ?? failure
  return (
    <div className="page">
      <ServerNav workspaceId={workspaceId} serverId={server.id} serverName={server.name} />
      <p>
        <Link to={`${base}/prompts`}>← Prompts of {server.name}</Link>
      </p>
      <h1>{prompt?.title ?? name}</h1>
      <p>
        {prompt?.title ? (
          <>
            <code>{name}</code> on {server.name}
          </>
        ) : (
          <>On {server.name}</>
        )}
      </p>
      {prompt?.description ? <p className="lead">{prompt.description}</p> : null}
      {shownFailure ? <ToolsFailureCallout failure={shownFailure} workspaceId={workspaceId} serverId={server.id} returnTo={here} /> : null}
      {prompt ? (
        <Form method="post" className="card form" aria-labelledby="prompt-arguments-heading">
          <h2 id="prompt-arguments-heading">Arguments</h2>
          {prompt.arguments.length === 0 ? <p className="muted">This prompt takes no arguments.</p> : null}
          {prompt.arguments.map((argument) => {
            const id = `arg-${argument.name}`
            const error = actionData?.errors[argument.name]
            return (
              <div className="field" key={argument.name}>
                <label htmlFor={id}>
                  {argument.name}
                  {argument.required ? null : <span className="muted"> (optional)</span>}
                </label>
                {argument.description ? (
                  <p id={`${id}-help`} className="field-help">
                    {argument.description}
                  </p>
                ) : null}
                <input
                  type="text"
                  id={id}
                  name={`arg.${argument.name}`}
                  required={argument.required}
                  defaultValue={actionData?.values[argument.name] ?? ''}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={[argument.description ? `${id}-help` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined}
                />
                <ErrorList id={`${id}-error`} errors={error ? [error] : null} />
              </div>
            )
          })}
          <StatusButton pendingText="Getting the prompt…">Get prompt</StatusButton>
        </Form>
      ) : null}
      {actionData?.messages ? (
        <section className="card" aria-labelledby="messages-heading" aria-live="polite">
          <h2 id="messages-heading">Messages</h2>
          {actionData.messages.description ? <p className="muted">{actionData.messages.description}</p> : null}
          <ol className="prompt-messages">
            {actionData.messages.messages.map((message, index) => (
              <li key={index}>
                <p className="prompt-role">{message.role === 'assistant' ? 'Assistant' : 'User'}</p>
                <ToolResult result={message.content} resourceHref={(uri) => `${base}/resources/read?uri=${encodeURIComponent(uri)}`} />
              </li>
            ))}
          </ol>
          {actionData.messages.hiddenMessages > 0 ? <p className="muted">{actionData.messages.hiddenMessages} more messages not shown.</p> : null}
        </section>
      ) : null}
    </div>
  )
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.prompt?.title ?? data?.name ?? 'Prompt'} · Switchboard` }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
