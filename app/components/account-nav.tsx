import { NavLink } from '@remix-run/react'

/** The pages of one's account: its settings and the apps allowed to use one's workspaces (the current one marked). */
export function AccountNav() {
  return (
    <nav className="server-nav" aria-label="Account pages">
      <NavLink to="/account" end>
        Settings
      </NavLink>
      <NavLink to="/account/connected-apps">Connected apps</NavLink>
    </nav>
  )
}
