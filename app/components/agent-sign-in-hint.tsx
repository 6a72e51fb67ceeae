import { ConnectForm } from '#app/components/connect-form.tsx'

/** Scope names as a step-up form sends them: space-separated tokens of printable ASCII (RFC 6749 §3.3). */
const SCOPES_PATTERN = /^[\x21\x23-\x5b\x5d-\x7e]+(?: [\x21\x23-\x5b\x5d-\x7e]+)*$/

/**
 * The line the server page shows when an agent sent the person there (`?agent=1`, the URL of the workspace MCP
 * endpoint's sign-in request, ADR 034): what to do here, and that the app continues afterwards. When the agent's
 * call needed more access (`scopes` and `tool` in the URL), it carries the "Grant more access" button.
 */
export function AgentSignInHint({
  server,
  waiting,
  searchParams,
}: {
  server: { id: string; name: string; workspaceId: string }
  waiting: boolean
  searchParams: URLSearchParams
}) {
  const scopes = searchParams.get('scopes') ?? ''
  const tool = searchParams.get('tool') ?? ''
  const stepUp = !waiting && SCOPES_PATTERN.test(scopes) && scopes.length <= 1000 && tool.length > 0 && tool.length <= 200
  if (stepUp) {
    return (
      <div className="callout callout-info" id="agent-sign-in-hint">
        <p>
          An app you use sent you here: the tool “{tool}” of {server.name} needs more access than you granted. Grant it, then go back to the
          app and try again.
        </p>
        <p className="muted">Access asked for: {scopes}</p>
        <ConnectForm
          workspaceId={server.workspaceId}
          serverId={server.id}
          returnTo={`/w/${server.workspaceId}/servers/${server.id}`}
          label="Grant more access"
          stepUp={{ scopes, tool }}
        />
      </div>
    )
  }
  return (
    <p className="callout callout-info" id="agent-sign-in-hint">
      {waiting
        ? `An app you use sent you here to sign in to ${server.name}. Press Connect (or Reconnect) under “Your OAuth connection” below, then go back to the app: it can then use ${server.name} with your sign-in.`
        : `An app you use sent you here about ${server.name}. When the connection below is ready, go back to the app and try again.`}
    </p>
  )
}
