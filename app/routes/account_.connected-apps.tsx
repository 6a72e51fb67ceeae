import { parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { AccountNav } from '#app/components/account-nav.tsx'
import { ConfirmRevoke, ConnectedAppsIntro, ConnectedAppsTable, REVOKE_PARAM, RevokeAppFormSchema, toAppView } from '#app/components/connected-apps.tsx'
import { endpointUrl } from '#app/gateway/target.ts'
import { listConnectedAppsOfUser, revokeConnectedApp } from '#app/models/agent-apps.server.ts'
import { listWorkspaces } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'

const HERE = '/account/connected-apps'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const [apps, workspaces] = await Promise.all([listConnectedAppsOfUser(user.id), listWorkspaces(user.id)])
  const revoke = new URL(request.url).searchParams.get(REVOKE_PARAM)
  // Only one of the person's own apps can be confirmed: any other id shows the list.
  const confirming = revoke ? (apps.find((app) => app.grantId === revoke) ?? null) : null
  return {
    apps: apps.map(toAppView),
    confirming: confirming ? toAppView(confirming) : null,
    endpoints: workspaces.map(({ workspace }) => ({
      workspaceName: workspace.name,
      url: endpointUrl(getEnv().PUBLIC_URL, { workspaceId: workspace.id, serverId: null }),
      overview: `/w/${workspace.id}#use-from-agent`,
    })),
  }
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const submission = parseWithZod(await request.formData(), { schema: RevokeAppFormSchema })
  if (submission.status !== 'success') throw new Response('Unknown action', { status: 400 })
  // The grant is looked up with its owner: another person's grant id is "already revoked" here, and stays.
  const revoked = await revokeConnectedApp(submission.value.grantId, { userId: user.id }, user.id)
  return revoked
    ? redirectWithFlash(HERE, { kind: 'success', message: 'The app is revoked. Its next request will be refused.' })
    : redirectWithFlash(HERE, { kind: 'info', message: 'That app was already revoked.' })
}

export default function ConnectedAppsRoute() {
  const { apps, confirming, endpoints } = useLoaderData<typeof loader>()
  return (
    <div className="page">
      <AccountNav />
      <h1>Connected apps</h1>
      <p className="lead">The apps you allowed to use your workspaces’ servers as you.</p>
      {confirming ? <ConfirmRevoke app={confirming} backTo={HERE} showPerson={false} /> : null}
      {apps.length > 0 ? (
        <>
          <ConnectedAppsTable apps={apps} showPerson={false} showWorkspace />
          <details className="card">
            <summary>How to connect another app</summary>
            <ConnectedAppsIntro endpoints={endpoints} />
          </details>
        </>
      ) : (
        <section className="card" aria-labelledby="empty-heading">
          <h2 id="empty-heading">No connected apps yet</h2>
          <ConnectedAppsIntro endpoints={endpoints} />
        </section>
      )}
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'Connected apps · Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
