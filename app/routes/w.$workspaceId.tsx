import type { LoaderFunctionArgs } from '@remix-run/node'
import {
  Form,
  Link,
  NavLink,
  Outlet,
  useLoaderData,
  useLocation,
} from '@remix-run/react'
import { StatusErrorBoundary } from '#app/components/error-boundary.tsx'
import { listWorkspaces, requireMembership } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { ROLE_LABELS, canManageWorkspace } from '#app/utils/permissions.ts'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace, role } = await requireMembership(user.id, params.workspaceId ?? '')
  const workspaces = await listWorkspaces(user.id)
  return {
    workspace,
    role,
    workspaces: workspaces.map((m) => ({ id: m.workspace.id, name: m.workspace.name })),
  }
}

export default function WorkspaceLayoutRoute() {
  const { workspace, role, workspaces } = useLoaderData<typeof loader>()
  const base = `/w/${workspace.id}`
  // A tool's page lives under /servers/:id/tools/:name but belongs to "Tools" in the menu.
  const onToolPage = /\/servers\/[^/]+\/tools\//.test(useLocation().pathname)
  return (
    <div className="workspace-layout">
      <aside className="sidebar" aria-label="Workspace">
        <p className="sidebar-workspace">
          <span className="sidebar-label">Workspace</span>
          <strong>{workspace.name}</strong>
          <span className="badge">{ROLE_LABELS[role]}</span>
        </p>
        <nav aria-label="Workspace sections">
          <ul className="nav-list">
            <li>
              <NavLink to={base} end>
                Overview
              </NavLink>
            </li>
            <li>
              <NavLink to={`${base}/servers`} className={({ isActive }) => (isActive && !onToolPage ? 'active' : undefined)}>
                Servers
              </NavLink>
            </li>
            <li>
              <NavLink to={`${base}/tools`} className={({ isActive }) => (isActive || onToolPage ? 'active' : undefined)}>
                Tools
              </NavLink>
            </li>
            <li>
              <NavLink to={`${base}/members`}>Members</NavLink>
            </li>
            {canManageWorkspace(role) ? (
              <>
                <li>
                  <NavLink to={`${base}/audit`}>Audit log</NavLink>
                </li>
                <li>
                  <NavLink to={`${base}/settings`}>Settings</NavLink>
                </li>
              </>
            ) : null}
          </ul>
        </nav>
        {workspaces.length > 1 ? (
          <Form method="post" action="/workspaces/switch" className="switcher">
            <label htmlFor="workspace-switcher">Switch workspace</label>
            <select id="workspace-switcher" name="workspaceId" defaultValue={workspace.id}>
              {workspaces.map((w) => (
                <option key={w.id} value={w.id}>
                  {w.name}
                </option>
              ))}
            </select>
            <button type="submit" className="button button-secondary">
              Switch
            </button>
          </Form>
        ) : null}
        <p>
          <Link to="/workspaces/new">+ New workspace</Link>
        </p>
      </aside>
      <div className="workspace-content">
        <Outlet />
      </div>
    </div>
  )
}

export function ErrorBoundary() {
  // The workspace itself could not be shown (not a member, or gone): no menu, and the way back is "/".
  return <StatusErrorBoundary outsideWorkspace />
}
