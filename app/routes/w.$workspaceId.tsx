import type { LoaderFunctionArgs } from '@remix-run/node'
import {
  Form,
  Link,
  NavLink,
  Outlet,
  useLoaderData,
  useLocation,
} from '@remix-run/react'
import { useEffect, useRef } from 'react'
import { StatusErrorBoundary } from '#app/components/error-boundary.tsx'
import { FormErrorSummary } from '#app/components/form-errors.tsx'
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

// The layout renders <main> beside its menu (root.tsx then renders none), so "Skip to content" skips the menu.
export const handle = { ownsMain: true }

export default function WorkspaceLayoutRoute() {
  const { workspace, role, workspaces } = useLoaderData<typeof loader>()
  const base = `/w/${workspace.id}`
  // A tool's page lives under /servers/:id/tools/:name but belongs to "Tools" in the menu.
  const { pathname } = useLocation()
  const onToolPage = /\/servers\/[^/]+\/tools\//.test(pathname)
  // On a phone the menu is a <details> (closed in the HTML, so it works without JavaScript); with JavaScript it
  // closes again once a link in it has been followed.
  const menu = useRef<HTMLDetailsElement>(null)
  useEffect(() => {
    if (menu.current) menu.current.open = false
  }, [pathname])
  return (
    <div className="workspace-layout">
      <aside className="sidebar" aria-label="Workspace">
        <details className="sidebar-menu" ref={menu}>
          <summary className="sidebar-toggle">
            <span className="sidebar-toggle-label">Menu</span>
            <span className="sidebar-toggle-workspace">{workspace.name}</span>
          </summary>
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
                    <NavLink to={`${base}/connected-apps`}>Connected apps</NavLink>
                  </li>
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
        </details>
      </aside>
      <main id="main" tabIndex={-1} className="workspace-content">
        <div className="shell-errors">
          <FormErrorSummary />
        </div>
        <Outlet />
      </main>
    </div>
  )
}

export function ErrorBoundary() {
  // The workspace itself could not be shown (not a member, or gone): no menu, and the way back is "/".
  return (
    <main id="main" tabIndex={-1}>
      <StatusErrorBoundary outsideWorkspace />
    </main>
  )
}
