// Disconnect: a confirmation page (GET), then revoke at the authorization server (RFC 7009,
// refresh token first) and delete the tokens here (POST). A revocation failure is reported, but
// the local delete always happens.
import { parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { StatusButton } from '#app/components/status-button.tsx'
import { requireServer } from '#app/models/server.server.ts'
import { requireMembership } from '#app/models/workspace.server.ts'
import { disconnectFromServer, disconnectPreview } from '#app/oauth/disconnect.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'

const disconnectIntent = 'disconnect'

/** Disconnecting is destructive: this page confirms it (STYLE.md); its form names the intent. */
const DisconnectFormSchema = z.object({ intent: z.literal(disconnectIntent) })

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace, role } = await requireMembership(user.id, params.workspaceId ?? '')
  const server = await requireServer(workspace.id, params.serverId ?? '')
  const preview = await disconnectPreview({ server, userId: user.id, role })
  return { workspace: { id: workspace.id, name: workspace.name }, server: { id: server.id, name: server.name }, ...preview }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { workspace, role } = await requireMembership(user.id, params.workspaceId ?? '')
  const server = await requireServer(workspace.id, params.serverId ?? '')
  const submission = parseWithZod(await request.formData(), { schema: DisconnectFormSchema })
  const confirmed = submission.status === 'success'
  // Who may disconnect is asked first (a member and the shared connection: 403), confirmed or not.
  const flash = await disconnectFromServer({ server, userId: user.id, role, confirmed })
  // A post that did not come from this page's button (an old form, a hand-made request) is shown the page.
  const here = `/w/${workspace.id}/servers/${server.id}`
  return redirectWithFlash(confirmed ? here : `${here}/disconnect`, flash)
}

export default function DisconnectRoute() {
  const { workspace, server, shared, connected } = useLoaderData<typeof loader>()
  const back = `/w/${workspace.id}/servers/${server.id}`
  return (
    <div className="page narrow">
      <p>
        <Link to={back}>← Back to {server.name}</Link>
      </p>
      <h1>Disconnect from {server.name}?</h1>
      {connected ? (
        <>
          <p>
            {shared
              ? `This ends the connection every member of ${workspace.name} uses: nobody can use ${server.name}’s tools until an admin connects again.`
              : `Your sign-in to ${server.name} ends: Switchboard asks its authorization server to revoke access, then deletes your tokens. You can connect again at any time.`}
          </p>
          <Form method="post" className="card form-row confirm-actions">
            <StatusButton name="intent" value={disconnectIntent} variant="danger" pendingText="Disconnecting…">
              {shared ? 'Disconnect for everyone' : 'Disconnect'}
            </StatusButton>
            <Link to={back} className="button button-secondary">
              Cancel
            </Link>
          </Form>
        </>
      ) : (
        <p>{shared ? 'This workspace is not connected to it.' : 'You are not connected to it.'}</p>
      )}
    </div>
  )
}

export const meta: MetaFunction<typeof loader> = ({ data: loaderData }) => [
  { title: loaderData ? `Disconnect from ${loaderData.server.name} · Switchboard` : 'Disconnect · Switchboard' },
]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
