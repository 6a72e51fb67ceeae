import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { ToolsFailureCallout } from '#app/components/connect-form.tsx'
import { ServerNav } from '#app/components/server-nav.tsx'
import { listServerPrompts } from '#app/mcp/prompts.server.ts'
import { requireServer } from '#app/models/server.server.ts'
import { requireMembership } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireMembership(user.id, params.workspaceId ?? '')
  const server = await requireServer(workspace.id, params.serverId ?? '')
  const cursor = new URL(request.url).searchParams.get('cursor')
  const listed = await listServerPrompts(user.id, server, cursor)
  return {
    workspaceId: workspace.id,
    server: { id: server.id, name: server.name },
    cursor,
    listing: listed.ok ? listed.value : null,
    failure: listed.ok ? null : listed.failure,
  }
}

export default function PromptsRoute() {
  const { workspaceId, server, cursor, listing, failure } = useLoaderData<typeof loader>()
  const base = `/w/${workspaceId}/servers/${server.id}`
  return (
    <div className="page">
      <ServerNav workspaceId={workspaceId} serverId={server.id} serverName={server.name} />
      <h1>Prompts of {server.name}</h1>
      {failure ? <ToolsFailureCallout failure={failure} workspaceId={workspaceId} serverId={server.id} returnTo={`${base}/prompts`} /> : null}
      {listing && !listing.supported ? <p className="callout callout-info">{server.name} offers no prompts.</p> : null}
      {listing?.supported ? (
        <section className="card" aria-labelledby="prompts-heading">
          <h2 id="prompts-heading">Prompts</h2>
          {listing.prompts.length === 0 ? (
            <p className="muted">{cursor ? 'No more prompts.' : `${server.name} lists no prompts right now.`}</p>
          ) : (
            <ul className="item-list">
              {listing.prompts.map((prompt) => (
                <li key={prompt.name}>
                  <a href={`${base}/prompts/${encodeURIComponent(prompt.name)}`}>{prompt.title ?? prompt.name}</a>
                  {prompt.title ? (
                    <>
                      {' '}
                      <code className="muted">{prompt.name}</code>
                    </>
                  ) : null}
                  {prompt.description ? <p className="muted">{prompt.description}</p> : null}
                  {prompt.arguments.length > 0 ? (
                    <p className="item-meta">Arguments: {prompt.arguments.map((argument) => `${argument.name}${argument.required ? '' : ' (optional)'}`).join(', ')}</p>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
          {listing.nextCursor ? (
            <p>
              <Link to={`${base}/prompts?cursor=${encodeURIComponent(listing.nextCursor)}`}>More prompts →</Link>
            </p>
          ) : null}
        </section>
      ) : null}
    </div>
  )
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Prompts · ${data?.server.name ?? 'Server'} · Switchboard` }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
