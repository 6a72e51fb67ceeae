import { Form, Link } from '@remix-run/react'
import { StatusButton } from '#app/components/status-button.tsx'

/**
 * Connect / Reconnect / step-up: a plain form POST answered by a redirect to the authorization
 * server, so it works without JavaScript. `returnTo` is where the callback lands afterwards.
 */
export function ConnectForm({
  workspaceId,
  serverId,
  returnTo,
  label,
  variant = 'primary',
  stepUp,
  pending,
}: {
  workspaceId: string
  serverId: string
  returnTo: string
  label: string
  variant?: 'primary' | 'secondary'
  stepUp?: { scopes: string; tool: string; pending?: string | null }
  /** A stopped tool call to run once signed in (Connect / Reconnect from a tool page). */
  pending?: string | null
}) {
  return (
    <Form method="post" action={`/w/${workspaceId}/servers/${serverId}/connect`} reloadDocument>
      <input type="hidden" name="returnTo" value={returnTo} />
      {stepUp ? (
        <>
          <input type="hidden" name="scopes" value={stepUp.scopes} />
          <input type="hidden" name="tool" value={stepUp.tool} />
          {stepUp.pending ? <input type="hidden" name="pending" value={stepUp.pending} /> : null}
        </>
      ) : pending ? (
        <input type="hidden" name="pending" value={pending} />
      ) : null}
      <StatusButton name="intent" value={stepUp ? 'step-up' : 'connect'} variant={variant} pendingText="Opening sign-in…">
        {label}
      </StatusButton>
    </Form>
  )
}

type FailureLike = { message: string; action: string; scopes?: string; pending?: string | null }

/** Failures that are a state to move on from (not signed in yet, no header yet), not an error. */
const NORMAL_STATES = new Set(['connect', 'fix_headers'])

/**
 * A failure of a server's tools with the one thing the person can do about it. "Not connected"
 * and "needs its header" are normal states: a neutral callout with the way on, not a red alert.
 * `canManage`: the person may add the header (owners and admins).
 */
export function ToolsFailureCallout({
  failure,
  workspaceId,
  serverId,
  returnTo,
  tool,
  canManage = false,
}: {
  failure: FailureLike
  workspaceId: string
  serverId: string
  returnTo: string
  tool?: string
  canManage?: boolean
}) {
  const normal = NORMAL_STATES.has(failure.action)
  return (
    <div className={normal ? 'callout callout-info' : 'callout callout-error'} role={normal ? undefined : 'alert'}>
      <p>{failure.message}</p>
      {failure.action === 'connect' || failure.action === 'reconnect' ? (
        <ConnectForm
          workspaceId={workspaceId}
          serverId={serverId}
          returnTo={returnTo}
          label={failure.action === 'connect' ? 'Connect' : 'Reconnect'}
          pending={failure.pending ?? null}
        />
      ) : null}
      {failure.action === 'fix_headers' ? (
        canManage ? (
          <p>
            <Link to={`/w/${workspaceId}/servers/${serverId}#headers-heading`}>Add the header this server expects</Link>
          </p>
        ) : (
          <p>Ask an owner or admin of this workspace to add the header this server expects.</p>
        )
      ) : null}
      {failure.action === 'step_up' && failure.scopes ? (
        <ConnectForm
          workspaceId={workspaceId}
          serverId={serverId}
          returnTo={returnTo}
          label="Grant more access"
          stepUp={{ scopes: failure.scopes, tool: tool ?? '', pending: failure.pending ?? null }}
        />
      ) : null}
      {failure.action === 'retry' ? (
        <p>
          <a href={returnTo}>Try again</a>
        </p>
      ) : null}
    </div>
  )
}
