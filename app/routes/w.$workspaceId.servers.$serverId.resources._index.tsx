import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { ToolsFailureCallout } from '#app/components/connect-form.tsx'
import { ServerNav } from '#app/components/server-nav.tsx'
import { listServerResources } from '#app/mcp/resources.server.ts'
import { requireServer } from '#app/models/server.server.ts'
import { requireMembership } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireMembership(user.id, params.workspaceId ?? '')
  const server = await requireServer(workspace.id, params.serverId ?? '')
  const cursor = new URL(request.url).searchParams.get('cursor')
  const listed = await listServerResources(user.id, server, cursor)
  return {
    workspaceId: workspace.id,
    server: { id: server.id, name: server.name },
    cursor,
    listing: listed.ok ? listed.value : null,
    failure: listed.ok ? null : listed.failure,
  }
}

export default function ResourcesRoute() {
  const { workspaceId, server, cursor, listing, failure } = useLoaderData<typeof loader>()
  const base = `/w/${workspaceId}/servers/${server.id}`
  const readHref = (uri: string) => `${base}/resources/read?uri=${encodeURIComponent(uri)}`
  return (
    <div className="page">
      <ServerNav workspaceId={workspaceId} serverId={server.id} serverName={server.name} />
      <h1>Resources of {server.name}</h1>
      {failure ? <ToolsFailureCallout failure={failure} workspaceId={workspaceId} serverId={server.id} returnTo={`${base}/resources`} /> : null}
      {listing && !listing.supported ? <p className="callout callout-info">{server.name} offers no resources.</p> : null}
      {listing?.supported ? (
        <>
          <section className="card" aria-labelledby="resources-heading">
            <h2 id="resources-heading">Resources</h2>
            {listing.resources.length === 0 ? (
              <p className="muted">{cursor ? 'No more resources.' : `${server.name} lists no resources right now.`}</p>
            ) : (
              <ul className="item-list">
                {listing.resources.map((resource) => (
                  <li key={resource.uri}>
                    <a href={readHref(resource.uri)}>{resource.title ?? resource.name}</a>{' '}
                    {resource.mimeType ? <span className="badge badge-neutral">{resource.mimeType}</span> : null}
                    <div className="item-meta">
                      <code>{resource.uri}</code>
                    </div>
                    {resource.description ? <p className="muted">{resource.description}</p> : null}
                  </li>
                ))}
              </ul>
            )}
            {listing.nextCursor ? (
              <p>
                <Link to={`${base}/resources?cursor=${encodeURIComponent(listing.nextCursor)}`}>More resources →</Link>
              </p>
            ) : null}
          </section>
          {listing.templates.length > 0 ? (
            <section className="card" aria-labelledby="templates-heading">
              <h2 id="templates-heading">Resource templates</h2>
              <p className="muted">Fill in a template to read the resource it names.</p>
              {listing.templates.map((template, index) => (
                <Form key={template.uriTemplate} method="get" action={`${base}/resources/read`} className="form template-form" aria-labelledby={`template-${index}`}>
                  <h3 id={`template-${index}`}>{template.title ?? template.name}</h3>
                  <p className="item-meta">
                    <code>{template.uriTemplate}</code>
                  </p>
                  {template.description ? <p className="muted">{template.description}</p> : null}
                  <input type="hidden" name="template" value={template.uriTemplate} />
                  {template.variables.map((variable) => (
                    <div className="field" key={variable}>
                      <label htmlFor={`template-${index}-${variable}`}>{variable}</label>
                      <input type="text" id={`template-${index}-${variable}`} name={`var.${variable}`} required />
                    </div>
                  ))}
                  <button type="submit" className="button">
                    Read
                  </button>
                </Form>
              ))}
            </section>
          ) : null}
        </>
      ) : null}
    </div>
  )
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Resources · ${data?.server.name ?? 'Server'} · Switchboard` }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
