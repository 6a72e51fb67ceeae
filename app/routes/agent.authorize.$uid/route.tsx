// Consent for an app that wants to use a workspace's MCP endpoint (Switchboard's own authorization server,
// docs/decisions/033). The person's Switchboard session says who is asking; the app, its redirect host, whether a
// metadata document vouched for it, the workspace and what the app may do are shown; Allow / Deny is one form
// that works without JavaScript. Where the browser goes next comes from the interaction, never from the request.
import { parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirectDocument } from '@remix-run/node'
import { Form, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { StatusButton } from '#app/components/status-button.tsx'
import { allowConsent, consentView, denyConsent } from '#app/gateway/as/interaction.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'

const allowIntent = 'allow'
const denyIntent = 'deny'

const ConsentFormSchema = z.object({ intent: z.enum([allowIntent, denyIntent]) })

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  return consentView(request, params.uid ?? '', user.id)
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const submission = parseWithZod(await request.formData(), { schema: ConsentFormSchema })
  if (submission.status !== 'success') throw new Response('Choose Allow or Deny.', { status: 400 })
  const uid = params.uid ?? ''
  const next = submission.value.intent === allowIntent ? await allowConsent(request, uid, user.id) : await denyConsent(request, uid)
  // A whole-document redirect: the provider's resume URL is not a Remix route, and it ends at the app's redirect URI.
  return redirectDocument(next, 303)
}

export default function AgentAuthorizeRoute() {
  const { app, endpoint } = useLoaderData<typeof loader>()
  const place = !endpoint ? 'a workspace' : endpoint.serverName ? `${endpoint.serverName} in ${endpoint.workspaceName}` : endpoint.workspaceName
  return (
    <div className="page narrow">
      <h1>
        Allow {app.name} to use {place}?
      </h1>
      <section className="card" aria-labelledby="consent-app">
        <h2 id="consent-app">The app</h2>
        <dl className="consent-facts">
          <dt>Name</dt>
          <dd>{app.name}</dd>
          <dt>Sends you back to</dt>
          <dd>
            <code>{app.redirectHost}</code>
          </dd>
          <dt>Identity</dt>
          <dd>
            {app.metadataDocumentHost ? (
              <>
                Verified by its metadata document at <code>{app.metadataDocumentHost}</code>
              </>
            ) : (
              'Registered itself, unverified: only its name says who it is'
            )}
          </dd>
        </dl>
      </section>
      {endpoint ? (
        <>
          <section className="card" aria-labelledby="consent-what">
            <h2 id="consent-what">What it may do</h2>
            <p>
              {endpoint.serverName
                ? `Use the tools of ${endpoint.serverName}, a server of ${endpoint.workspaceName}, as you, with your own sign-ins.`
                : `Use the tools of ${endpoint.workspaceName}’s servers as you, with your own sign-ins.`}
            </p>
            <p className="muted">You can revoke this at any time under Connected apps.</p>
          </section>
          <Form method="post" reloadDocument className="form-row confirm-actions">
            <StatusButton name="intent" value={allowIntent} pendingText="Allowing…">
              Allow
            </StatusButton>
            <StatusButton name="intent" value={denyIntent} variant="secondary">
              Deny
            </StatusButton>
          </Form>
        </>
      ) : (
        <>
          <p role="alert">
            You are not a member of the workspace this app asks for, so you cannot allow it. If you should be, ask an owner
            or admin of that workspace to invite you; otherwise deny this request.
          </p>
          <Form method="post" reloadDocument className="form-row confirm-actions">
            <StatusButton name="intent" value={denyIntent} variant="secondary">
              Deny
            </StatusButton>
          </Form>
        </>
      )}
    </div>
  )
}

export const meta: MetaFunction<typeof loader> = ({ data: loaderData }) => [
  { title: loaderData ? `Allow ${loaderData.app.name}? · Switchboard` : 'Allow an app? · Switchboard' },
]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
