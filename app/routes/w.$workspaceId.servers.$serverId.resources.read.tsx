import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { ToolsFailureCallout } from '#app/components/connect-form.tsx'
import { ServerNav } from '#app/components/server-nav.tsx'
import { ToolResult } from '#app/components/tool-result.tsx'
import { readServerResource } from '#app/mcp/resources.server.ts'
import { expandTemplate } from '#app/mcp/uri-template.ts'
import { requireServer } from '#app/models/server.server.ts'
import { requireMembership } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'

const MAX_URI_CHARS = 8_192

/** The URI to read: `?uri=`, or a template (`?template=`) filled in from its `var.<name>` fields. */
function requestedUri(searchParams: URLSearchParams): string {
  const template = searchParams.get('template')
  if (!template) return searchParams.get('uri') ?? ''
  const values: Record<string, string> = {}
  for (const [key, value] of searchParams) if (key.startsWith('var.')) values[key.slice('var.'.length)] = value
  return expandTemplate(template, values)
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireMembership(user.id, params.workspaceId ?? '')
  const server = await requireServer(workspace.id, params.serverId ?? '')
  const uri = requestedUri(new URL(request.url).searchParams)
  if (!uri || uri.length > MAX_URI_CHARS) {
    throw new Response(uri ? 'That resource address is too long.' : 'Say which resource to read.', { status: 400 })
  }
  const read = await readServerResource(user.id, server, uri)
  return { workspaceId: workspace.id, server: { id: server.id, name: server.name }, uri, content: read.ok ? read.value : null, failure: read.ok ? null : read.failure }
}

export default function ReadResourceRoute() {
  const { workspaceId, server, uri, content, failure } = useLoaderData<typeof loader>()
  const base = `/w/${workspaceId}/servers/${server.id}`
  return (
    <div className="page">
      <ServerNav workspaceId={workspaceId} serverId={server.id} serverName={server.name} />
      <p>
        <Link to={`${base}/resources`}>← Resources of {server.name}</Link>
      </p>
      <h1 className="resource-title">
        <code>{uri}</code>
      </h1>
      {failure ? (
        <ToolsFailureCallout failure={failure} workspaceId={workspaceId} serverId={server.id} returnTo={`${base}/resources/read?uri=${encodeURIComponent(uri)}`} />
      ) : null}
      {content ? (
        <section className="card" aria-labelledby="contents-heading">
          <h2 id="contents-heading">Contents</h2>
          <ToolResult result={content} resourceHref={(link) => `${base}/resources/read?uri=${encodeURIComponent(link)}`} />
        </section>
      ) : null}
    </div>
  )
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.uri ?? 'Resource'} · ${data?.server.name ?? 'Server'} · Switchboard` }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
