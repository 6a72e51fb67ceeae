import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { ToolsFailureCallout } from '#app/components/connect-form.tsx'
import { listWorkspaceTools } from '#app/mcp/tools.server.ts'
import { requireMembership } from '#app/models/workspace.server.ts'
import { ServerStatusBadge } from '#app/components/server-status.tsx'
import { listServersWithStatus } from '#app/models/server-status.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { canManageWorkspace } from '#app/utils/permissions.ts'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace, role } = await requireMembership(user.id, params.workspaceId ?? '')
  const only = new URL(request.url).searchParams.get('server')
  const [sections, statuses] = await Promise.all([listWorkspaceTools(user.id, workspace.id, only), listServersWithStatus(workspace.id, user.id)])
  const statusOf = new Map(statuses.map((server) => [server.id, server.status]))
  return {
    workspace,
    sections: sections.map((section) => ({ ...section, status: statusOf.get(section.server.id) ?? null })),
    filtered: Boolean(only),
    canManage: canManageWorkspace(role),
  }
}

export default function ToolsRoute() {
  const { workspace, sections, filtered, canManage } = useLoaderData<typeof loader>()
  return (
    <div className="page">
      <h1>Tools</h1>
      {filtered ? (
        <p>
          <Link to={`/w/${workspace.id}/tools`}>Show the tools of every server</Link>
        </p>
      ) : null}
      {sections.length === 0 ? (
        <div className="card empty-state">
          <p>No enabled MCP servers in this workspace.</p>
          <p>
            <Link to={`/w/${workspace.id}/servers`}>Go to servers</Link>
          </p>
        </div>
      ) : null}
      {sections.map((section) => (
        <section key={section.server.id} className="card" aria-labelledby={`server-${section.server.id}`}>
          <div className="section-header">
            <h2 id={`server-${section.server.id}`}>
              <Link to={`/w/${workspace.id}/servers/${section.server.id}`}>{section.server.name}</Link>
            </h2>
            {section.status ? <ServerStatusBadge status={section.status} /> : null}
          </div>
          {section.failure ? (
            <ToolsFailureCallout
              failure={section.failure}
              workspaceId={workspace.id}
              serverId={section.server.id}
              returnTo={filtered ? `/w/${workspace.id}/tools?server=${section.server.id}` : `/w/${workspace.id}/tools`}
              canManage={canManage}
            />
          ) : section.tools.length === 0 ? (
            <p className="muted">This server offers no tools.</p>
          ) : (
            <ul className="tool-list">
              {section.tools.map((tool) => (
                <li key={tool.name}>
                  <Link to={`/w/${workspace.id}/servers/${section.server.id}/tools/${encodeURIComponent(tool.name)}`}>
                    {tool.title ?? tool.name}
                  </Link>
                  {tool.title ? <code className="muted"> {tool.name}</code> : null}
                  {tool.readOnly ? <span className="badge badge-ok">read-only</span> : null}
                  {tool.destructive ? <span className="badge badge-warn">destructive</span> : null}
                  {tool.description ? <p className="muted">{tool.description}</p> : null}
                  {tool.schemaProblem ? <p className="muted">{tool.schemaProblem} Its arguments are entered as JSON.</p> : null}
                </li>
              ))}
            </ul>
          )}
        </section>
      ))}
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'Tools · Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
