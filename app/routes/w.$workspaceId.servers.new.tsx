import { getFormProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirectDocument } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { AdvancedOAuthFields, ServerFormFields } from '#app/components/server-form.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { ErrorList } from '#app/components/forms.tsx'
import { clientNeededPath, credentialChoice, parseServerForm, probeForForm } from '#app/models/server-form.server.ts'
import { requireServer } from '#app/models/server.server.ts'
import { DuplicateServerNameError, type NewServerOAuth, createServer } from '#app/models/server-write.server.ts'
import { startConnect } from '#app/oauth/connect.server.ts'
import { getActiveSession } from '#app/utils/session.server.ts'
import { recordAudit } from '#app/models/audit.server.ts'
import { requireWorkspaceAdmin } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash, serializeFlash } from '#app/utils/flash.server.ts'
import { discoverOAuth } from '#app/oauth/discovery.server.ts'
import { OAuthProblem } from '#app/oauth/errors.server.ts'
import { OAUTH_EXCEPTIONS } from '#app/oauth/rules.ts'
import { canIdentifyWithoutClient, discoveryTarget, redirectUri } from '#app/oauth/client-identity.server.ts'
import { AddServerFormSchema, type AddServerForm, secondsToMs } from '#app/utils/server-validation.ts'

// Secrets are never sent back into the form (STYLE.md).
const hideFields = ['clientSecret']

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireWorkspaceAdmin(user.id, params.workspaceId ?? '')
  return { workspace, redirectUri: redirectUri() }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireWorkspaceAdmin(user.id, params.workspaceId ?? '')
  const submission = await parseServerForm(await request.formData(), workspace.id, AddServerFormSchema)
  if (submission.status !== 'success') {
    return data({ result: submission.reply({ hideFields }), probeFailed: false, credentialsRequired: false }, { status: 400 })
  }
  const value = submission.value
  const verdict = await probeForForm(value)
  if (!verdict.ok) {
    const result = verdict.field
      ? submission.reply({ fieldErrors: { [verdict.field]: [verdict.message] }, hideFields })
      : submission.reply({ formErrors: [verdict.message], hideFields })
    return data({ result, probeFailed: verdict.field === null, credentialsRequired: false }, { status: 400 })
  }
  // "Needs credentials" of an unknown kind: the admin chooses the way in (decision 016).
  const { required: credentialsRequired, choice, authType } = credentialChoice(verdict.probe.outcome, value)
  if (credentialsRequired && !choice) {
    const result = submission.reply({
      fieldErrors: { credentialKind: ['Choose one of the two, then press Add server again.'] },
      hideFields,
    })
    return data({ result, probeFailed: false, credentialsRequired: true }, { status: 400 })
  }
  const oauth = oauthSettingsOf(value, choice === 'oauth-legacy')
  try {
    const server = await createServer(
      workspace.id,
      user.id,
      { ...value, authType, timeoutMs: secondsToMs(value.timeoutSeconds), enabled: true },
      verdict.probe,
      oauth,
    )
    await auditCreation({ workspaceId: workspace.id, actorId: user.id, server: { id: server.id, name: value.name } }, value.url, verdict.probe.message, oauth)
    const here = `/w/${workspace.id}/servers/${server.id}`
    if (server.authType === 'oauth') return connectAfterAdd({ request, userId: user.id, workspaceId: workspace.id, serverId: server.id, name: value.name, here })
    if (choice === 'headers') {
      return redirectWithFlash(`${here}#headers-heading`, {
        kind: 'info',
        message: `Added ${value.name}. Add the header it expects below (for example Authorization or X-Api-Key).`,
      })
    }
    return redirectWithFlash(here, { kind: 'success', message: `Added ${value.name}. ${verdict.probe.message}` })
  } catch (error) {
    if (!(error instanceof DuplicateServerNameError)) throw error
    return data(
      { result: submission.reply({ fieldErrors: { name: [error.message] }, hideFields }), probeFailed: false, credentialsRequired },
      { status: 400 },
    )
  }
}

function oauthSettingsOf(value: AddServerForm, legacy: boolean): NewServerOAuth {
  return {
    client: value.clientId
      ? { clientId: value.clientId, clientSecret: value.authMethod === 'none' ? null : (value.clientSecret ?? null), authMethod: value.authMethod }
      : null,
    scopes: value.scopes || null,
    exceptions: legacy ? ['legacy_discovery'] : [],
  }
}

/** The same audit events the server page records when these settings are made there. */
async function auditCreation(
  audit: { workspaceId: string; actorId: string; server: { id: string; name: string } },
  url: string,
  probeMessage: string,
  oauth: NewServerOAuth,
) {
  await recordAudit({ ...audit, event: 'server.created', detail: `${url} — ${probeMessage}` })
  if (oauth.client) {
    await recordAudit({ ...audit, event: 'oauth.client_changed', detail: `Pre-registered client ${oauth.client.clientId} (${oauth.client.authMethod})` })
  }
  if (oauth.scopes) await recordAudit({ ...audit, event: 'oauth.scopes_changed', scopes: oauth.scopes, detail: null })
  for (const name of oauth.exceptions) {
    await recordAudit({ ...audit, event: 'oauth.exception_toggled', detail: `${OAUTH_EXCEPTIONS[name].label}: enabled` })
  }
}

/**
 * An OAuth server leads straight into Connect, but only when Switchboard can identify itself
 * (a pre-registered client, CIMD or registration). Otherwise the admin lands on the client
 * fields with the reason; any other failure is said on the server page.
 */
async function connectAfterAdd(input: { request: Request; userId: string; workspaceId: string; serverId: string; name: string; here: string }) {
  const server = await requireServer(input.workspaceId, input.serverId)
  if (!server.oauthClientId) {
    try {
      const discovery = await discoverOAuth(discoveryTarget(server))
      if (!canIdentifyWithoutClient(discovery.metadata)) {
        const flash = await serializeFlash({
          kind: 'info',
          message: `Added ${input.name}. It uses OAuth, but its authorization server needs a client registered by an admin before anyone can connect.`,
        })
        // A document load, with JavaScript too: the browser then focuses the client ID field
        // (autofocus) and scrolls to it, where a client-side navigation would scroll back to the top.
        return redirectDocument(clientNeededPath(input.here), { headers: { 'Set-Cookie': flash } })
      }
    } catch (error) {
      // Connect below says why discovery failed, and records it.
      if (!(error instanceof OAuthProblem)) throw error
    }
  }
  const session = await getActiveSession(input.request)
  const connect = session
    ? await startConnect({ server, userId: input.userId, sessionKey: session.sessionKey, returnTo: input.here })
    : { ok: false as const, message: 'Press Connect to sign in.' }
  if (connect.ok) return connect.response
  return redirectWithFlash(input.here, {
    kind: 'info',
    message: `Added ${input.name}. It uses OAuth, but signing in could not start: ${connect.message}`,
  })
}

export default function NewServerRoute() {
  const { workspace, redirectUri } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'new-server',
    lastResult: actionData?.result,
    constraint: getZodConstraint(AddServerFormSchema),
    defaultValue: { transport: 'auto', authType: 'detect', timeoutSeconds: '30', authMethod: 'client_secret_basic' },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: AddServerFormSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
  })
  return (
    <div className="page narrow-wide">
      <p>
        <Link to={`/w/${workspace.id}/servers`}>← Back to servers</Link>
      </p>
      <h1>Add an MCP server</h1>
      <p className="lead">
        Switchboard connects to the URL without credentials to find out how the server authenticates, then lists its
        tools.
      </p>
      <Form method="post" className="card form" {...getFormProps(form)}>
        <ErrorList id={form.errorId} errors={form.errors} />
        <ServerFormFields
          fields={fields}
          showEnabled={false}
          showSaveUnreachable={Boolean(actionData?.probeFailed)}
          showCredentialChoice={Boolean(actionData?.credentialsRequired)}
        />
        <AdvancedOAuthFields fields={fields} redirectUri={redirectUri} />
        <StatusButton pendingText="Testing the connection…">Add server</StatusButton>
      </Form>
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'Add server · Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
