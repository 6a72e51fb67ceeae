import { parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { ConfirmRevoke, ConnectedAppsIntro, ConnectedAppsTable, REVOKE_PARAM, RevokeAppFormSchema, toAppView } from '#app/components/connected-apps.tsx'
import { endpointUrl } from '#app/gateway/target.ts'
import { listConnectedAppsOfWorkspace, revokeConnectedApp } from '#app/models/agent-apps.server.ts'
import { requireWorkspaceAdmin } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'

// Owners and admins see (and may revoke) every member's apps in their workspace; members manage their own
// under Account → Connected apps and cannot see anyone else's.
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireWorkspaceAdmin(user.id, params.workspaceId ?? '')
  const apps = await listConnectedAppsOfWorkspace(workspace.id)
  const revoke = new URL(request.url).searchParams.get(REVOKE_PARAM)
  const confirming = revoke ? (apps.find((app) => app.grantId === revoke) ?? null) : null
  return {
    workspace,
    apps: apps.map(toAppView),
    confirming: confirming ? toAppView(confirming) : null,
    endpoint: endpointUrl(getEnv().PUBLIC_URL, { workspaceId: workspace.id, serverId: null }),
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireWorkspaceAdmin(user.id, params.workspaceId ?? '')
  const submission = parseWithZod(await request.formData(), { schema: RevokeAppFormSchema })
  if (submission.status !== 'success') throw new Response('Unknown action', { status: 400 })
  // Found with the workspace in the query: a grant of another workspace is "already revoked" here, and stays.
  const revoked = await revokeConnectedApp(submission.value.grantId, { workspaceId: workspace.id }, user.id)
  const here = `/w/${workspace.id}/connected-apps`
  return revoked
    ? redirectWithFlash(here, { kind: 'success', message: 'The app is revoked. Its next request will be refused.' })
    : redirectWithFlash(here, { kind: 'info', message: 'That app was already revoked.' })
}

export default function WorkspaceConnectedAppsRoute() {
  const { workspace, apps, confirming, endpoint } = useLoaderData<typeof loader>()
  const here = `/w/${workspace.id}/connected-apps`
  return (
    <div className="page">
      <h1>Connected apps</h1>
      <p className="lead">
        The apps {workspace.name}’s members allowed to use its servers as themselves. Revoking one cuts it off at once; each person sees their own
        on <Link to="/account/connected-apps">their account’s connected apps</Link> page.
      </p>
      {confirming ? <ConfirmRevoke app={confirming} backTo={here} showPerson /> : null}
      {apps.length > 0 ? (
        <ConnectedAppsTable apps={apps} showPerson showWorkspace={false} />
      ) : (
        <section className="card" aria-labelledby="empty-heading">
          <h2 id="empty-heading">No connected apps yet</h2>
          <ConnectedAppsIntro endpoints={[{ workspaceName: workspace.name, url: endpoint, overview: `/w/${workspace.id}#use-from-agent` }]} />
        </section>
      )}
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'Connected apps · Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
