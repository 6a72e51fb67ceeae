/**
 * The line the server page shows when an agent sent the person there (`?agent=1`, the URL of the workspace MCP
 * endpoint's sign-in request, ADR 034): what to do here, and that the app continues afterwards.
 */
export function AgentSignInHint({ serverName, waiting }: { serverName: string; waiting: boolean }) {
  return (
    <p className="callout callout-info" id="agent-sign-in-hint">
      {waiting
        ? `An app you use sent you here to sign in to ${serverName}. Press Connect (or Reconnect) under “Your OAuth connection” below, then go back to the app: it can then use ${serverName} with your sign-in.`
        : `An app you use sent you here about ${serverName}. When the connection below is ready, go back to the app and try again.`}
    </p>
  )
}
