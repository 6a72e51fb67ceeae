import { NavLink } from '@remix-run/react'

/** The pages of one server: its settings, tools, resources and prompts (the current one marked). */
export function ServerNav({ workspaceId, serverId, serverName }: { workspaceId: string; serverId: string; serverName: string }) {
  const base = `/w/${workspaceId}/servers/${serverId}`
  return (
    <nav className="server-nav" aria-label={`${serverName} pages`}>
      <NavLink to={base} end>
        Server
      </NavLink>
      <NavLink to={`/w/${workspaceId}/tools?server=${serverId}`}>Tools</NavLink>
      <NavLink to={`${base}/resources`}>Resources</NavLink>
      <NavLink to={`${base}/prompts`}>Prompts</NavLink>
    </nav>
  )
}
