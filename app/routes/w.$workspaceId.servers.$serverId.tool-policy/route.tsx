import { parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { ToolsFailureCallout } from '#app/components/connect-form.tsx'
import { ErrorList } from '#app/components/forms.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { ToolBadges } from '#app/components/tool-badges.tsx'
import { openToolPolicyPage } from '#app/mcp/tool-policy-page.server.ts'
import { requireServer } from '#app/models/server.server.ts'
import { requireWorkspaceAdmin } from '#app/models/workspace.server.ts'
import { ToolPolicyFormSchema, saveToolPolicyIntent } from '#app/routes/w.$workspaceId.servers.$serverId.tool-policy/form-schema.ts'
import { saveToolPolicy } from '#app/servers/tool-policy.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireWorkspaceAdmin(user.id, params.workspaceId ?? '')
  const server = await requireServer(workspace.id, params.serverId ?? '')
  const page = await openToolPolicyPage(user.id, server)
  return { ...page, workspace: { id: workspace.id }, server: { id: server.id, name: server.name, enabled: server.enabled } }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireWorkspaceAdmin(user.id, params.workspaceId ?? '')
  const server = await requireServer(workspace.id, params.serverId ?? '')
  const submission = parseWithZod(await request.formData(), { schema: ToolPolicyFormSchema })
  if (submission.status !== 'success') return data({ result: submission.reply() }, { status: 400 })
  const { changed } = await saveToolPolicy(server, user.id, submission.value)
  return redirectWithFlash(`/w/${workspace.id}/servers/${server.id}/tool-policy`, {
    kind: changed === 0 ? 'info' : 'success',
    message: changed === 0 ? 'Nothing changed.' : `Saved the tool settings of ${server.name} (${changed === 1 ? '1 tool' : `${changed} tools`} changed).`,
  })
}

export default function ToolPolicyRoute() {
  const { workspace, server, tools, more, failure, unlisted } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const here = `/w/${workspace.id}/servers/${server.id}/tool-policy`
  // One list for the form: its problems concern the form as a whole (a stale or tampered one).
  const errors = [...new Set(Object.values(actionData?.result.error ?? {}).flatMap((messages) => messages ?? []))]
  return (
    <div className="page">
      <p>
        <Link to={`/w/${workspace.id}/servers/${server.id}`}>← {server.name}</Link>
      </p>
      <h1>Tools of {server.name}</h1>
      <p className="muted">
        Choose which tools of {server.name} this workspace may use. A tool that is not available is hidden from the Tools page and refused
        when anyone calls it. A tool that asks to confirm shows a “Yes, run this tool” box that must be ticked before each run.
      </p>
      {!server.enabled ? <p className="callout">This server is disabled: no tool of it runs until it is enabled.</p> : null}
      {failure ? (
        <ToolsFailureCallout failure={failure} workspaceId={workspace.id} serverId={server.id} returnTo={here} />
      ) : tools.length === 0 ? (
        <p className="muted">{server.name} offers no tools.</p>
      ) : (
        <Form method="post" className="card form" aria-labelledby="policy-heading">
          <h2 id="policy-heading">{tools.length === 1 ? '1 tool' : `${tools.length} tools`}</h2>
          <ErrorList id="policy-errors" errors={errors} />
          <ul className="policy-list">
            {tools.map((tool, index) => (
              <li key={tool.name}>
                <fieldset className="policy-tool">
                  <legend>
                    {tool.title ?? tool.name}
                    {tool.title ? <code className="muted"> {tool.name}</code> : null}
                  </legend>
                  <input type="hidden" name="tools" value={tool.name} />
                  <ToolBadges badges={tool.badges} />
                  {tool.description ? <p className="muted policy-description">{tool.description}</p> : null}
                  <div className="policy-choices">
                    <div className="field-checkbox">
                      <input type="checkbox" id={`tool-${index}-enabled`} name="enabled" value={tool.name} defaultChecked={tool.enabled} />
                      <label htmlFor={`tool-${index}-enabled`}>Available</label>
                    </div>
                    <div className="field-checkbox">
                      <input
                        type="checkbox"
                        id={`tool-${index}-confirm`}
                        name="confirm"
                        value={tool.name}
                        defaultChecked={tool.needsConfirmation}
                      />
                      <label htmlFor={`tool-${index}-confirm`}>Ask to confirm</label>
                    </div>
                  </div>
                </fieldset>
              </li>
            ))}
          </ul>
          {more > 0 ? <p className="muted">{server.name} lists {more} more tools than this page holds; they keep their settings.</p> : null}
          <div className="form-row">
            <StatusButton name="intent" value={saveToolPolicyIntent} pendingText="Saving…">
              Save tool settings
            </StatusButton>
          </div>
        </Form>
      )}
      {unlisted.length > 0 ? (
        <p className="muted">
          Settings are kept for {unlisted.length === 1 ? 'a tool' : 'tools'} {server.name} no longer lists, in case{' '}
          {unlisted.length === 1 ? 'it comes' : 'they come'} back: {unlisted.slice(0, 20).join(', ')}
          {unlisted.length > 20 ? ` and ${unlisted.length - 20} more` : ''}.
        </p>
      ) : null}
    </div>
  )
}

export const meta: MetaFunction<typeof loader> = ({ data: loaderData }) => [
  { title: loaderData ? `Tools of ${loaderData.server.name} · Switchboard` : 'Tool settings · Switchboard' },
]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
