import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData, useNavigation, useSubmit } from '@remix-run/react'
import { useRef } from 'react'
import { ToolsFailureCallout } from '#app/components/connect-form.tsx'
import { ToolBadges } from '#app/components/tool-badges.tsx'
import { listWorkspaceTools } from '#app/mcp/tools.server.ts'
import { requireMembership } from '#app/models/workspace.server.ts'
import { ServerStatusBadge } from '#app/components/server-status.tsx'
import { listServersWithStatus } from '#app/models/server-status.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { canManageWorkspace } from '#app/utils/permissions.ts'

/** Longest search the page takes (a longer one is cut). */
const MAX_TOOL_QUERY_CHARS = 200
/** How long typing pauses before the search runs (with JavaScript; without it, the button runs it). */
const SEARCH_DEBOUNCE_MS = 300

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace, role } = await requireMembership(user.id, params.workspaceId ?? '')
  const search = new URL(request.url).searchParams
  const only = search.get('server')
  const query = (search.get('q') ?? '').trim().slice(0, MAX_TOOL_QUERY_CHARS)
  const [sections, statuses] = await Promise.all([listWorkspaceTools(user.id, workspace.id, only, query || null), listServersWithStatus(workspace.id, user.id)])
  const statusOf = new Map(statuses.map((server) => [server.id, server.status]))
  return {
    workspace,
    sections: sections.map((section) => ({ ...section, status: statusOf.get(section.server.id) ?? null })),
    filtered: Boolean(only),
    only,
    query,
    canManage: canManageWorkspace(role),
  }
}

export default function ToolsRoute() {
  const { workspace, sections, filtered, only, query, canManage } = useLoaderData<typeof loader>()
  const matches = sections.reduce((count, section) => count + section.tools.length, 0)
  const here = `/w/${workspace.id}/tools${filtered || query ? `?${new URLSearchParams({ ...(only ? { server: only } : {}), ...(query ? { q: query } : {}) })}` : ''}`
  return (
    <div className="page">
      <h1>Tools</h1>
      {filtered ? (
        <p>
          <Link to={`/w/${workspace.id}/tools${query ? `?${new URLSearchParams({ q: query })}` : ''}`}>Show the tools of every server</Link>
        </p>
      ) : null}
      {sections.length === 0 ? (
        <div className="card empty-state">
          <p>No enabled MCP servers in this workspace.</p>
          <p>
            <Link to={`/w/${workspace.id}/servers`}>Go to servers</Link>
          </p>
        </div>
      ) : (
        <ToolSearch only={only} query={query} matches={matches} />
      )}
      {sections.map((section) =>
        query && !section.failure && section.tools.length === 0 ? null : (
          <section key={section.server.id} className="card" aria-labelledby={`server-${section.server.id}`}>
            <div className="tool-section-head">
              <h2 id={`server-${section.server.id}`}>
                <Link to={`/w/${workspace.id}/servers/${section.server.id}`}>{section.server.name}</Link>
              </h2>
              {section.status ? <ServerStatusBadge status={section.status} /> : null}
              {canManage ? (
                <Link to={`/w/${workspace.id}/servers/${section.server.id}/tool-policy`} className="tool-policy-link">
                  Choose tools<span className="visually-hidden"> of {section.server.name}</span>
                </Link>
              ) : null}
            </div>
            {section.failure ? (
              <ToolsFailureCallout failure={section.failure} workspaceId={workspace.id} serverId={section.server.id} returnTo={here} canManage={canManage} />
            ) : section.tools.length === 0 ? (
              <p className="muted">This server offers no tools{canManage ? ' that are turned on' : ''}.</p>
            ) : (
              <ul className="tool-list">
                {section.tools.map((tool) => (
                  <li key={tool.name}>
                    <Link to={`/w/${workspace.id}/servers/${section.server.id}/tools/${encodeURIComponent(tool.name)}`}>
                      {tool.title ?? tool.name}
                    </Link>
                    {tool.title ? <code className="muted"> {tool.name}</code> : null}
                    <ToolBadges badges={tool.badges} needsConfirmation={tool.needsConfirmation} />
                    {tool.description ? <p className="muted">{tool.description}</p> : null}
                    {tool.schemaProblem ? <p className="muted">{tool.schemaProblem} Its arguments are entered as JSON.</p> : null}
                  </li>
                ))}
              </ul>
            )}
          </section>
        ),
      )}
    </div>
  )
}

/**
 * A GET form: without JavaScript the button runs the search; with it, typing does (after a
 * pause), through the same loader, so both give the same results.
 */
function ToolSearch({ only, query, matches }: { only: string | null; query: string; matches: number }) {
  const submit = useSubmit()
  const navigation = useNavigation()
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null)
  const searching = navigation.state === 'loading' && navigation.location.pathname.endsWith('/tools')
  return (
    <Form
      method="get"
      role="search"
      className="card tool-search"
      onChange={(event) => {
        const form = event.currentTarget
        if (timer.current) clearTimeout(timer.current)
        timer.current = setTimeout(() => submit(form, { replace: true, preventScrollReset: true }), SEARCH_DEBOUNCE_MS)
      }}
    >
      {only ? <input type="hidden" name="server" value={only} /> : null}
      <div className="field">
        <label htmlFor="tool-search">Search tools</label>
        <p id="tool-search-help" className="field-help">
          By name, title or description. Every word must match.
        </p>
        <div className="tool-search-row">
          <input
            type="search"
            id="tool-search"
            name="q"
            defaultValue={query}
            maxLength={MAX_TOOL_QUERY_CHARS}
            aria-describedby="tool-search-help"
            autoComplete="off"
          />
          <button type="submit" className="button">
            Search
          </button>
        </div>
      </div>
      <p className="muted tool-search-status" role="status">
        {searching ? 'Searching…' : query ? `${matches === 0 ? 'No tools match' : matches === 1 ? '1 tool matches' : `${matches} tools match`} “${query}”.` : ''}
      </p>
    </Form>
  )
}

export const meta: MetaFunction = () => [{ title: 'Tools · Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
