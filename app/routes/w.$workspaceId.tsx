import type { LoaderFunctionArgs } from '@remix-run/node'
import {
  Form,
  Link,
  NavLink,
  Outlet,
  isRouteErrorResponse,
  useLoaderData,
  useLocation,
  useRouteError,
} from '@remix-run/react'
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
  const error = useRouteError()
  const status = isRouteErrorResponse(error) ? error.status : 500
  // Thrown responses carry a sentence meant for the person ("Server not found", ...).
  const sentence = isRouteErrorResponse(error) && typeof error.data === 'string' && error.data ? error.data : null
  return (
    <div className="page narrow">
      <h1>
        {status === 404
          ? (sentence ?? 'Not found')
          : status === 403
            ? 'Not allowed'
            : status === 413
              ? 'Too much to send'
              : status === 400 || status === 415
                ? 'Bad request'
                : 'Something went wrong'}
      </h1>
      <p>
        {status === 404
          ? 'It does not exist, or you are not a member of the workspace it belongs to.'
          : status === 403
            ? `${sentence ?? 'Your role in this workspace does not allow that.'} Ask an owner or admin.`
            : status === 400 || status === 413 || status === 415
              ? (sentence ?? 'The request could not be understood.')
              : 'The page could not be shown. Please try again.'}
      </p>
      <p>
        <Link to="/">Go to your workspace</Link>
      </p>
    </div>
  )
}
