// Messages between a test and the app instances it starts (tests/multi-instance/app-instance.ts).

export type InstanceRequest =
  | { id: number; type: 'connect'; workspaceId: string; serverId: string; cookie: string }
  | { id: number; type: 'callback'; callbackUrl: string; cookie: string }
  /** `count` concurrent calls of the demo tool `echo` by `userId`. */
  | { id: number; type: 'calls'; workspaceId: string; serverId: string; userId: string; count: number; label: string }
  /** Serve the gateway wing (app/gateway: MCP endpoints, authorization server) over HTTP on a free port. */
  | { id: number; type: 'serve-gateway' }
  /**
   * The person's side of an agent's authorization on this instance (its consent route): authorize → consent page →
   * Allow or Deny; replies with the URL the browser lands on at the app (`location`).
   */
  | { id: number; type: 'consent'; authorizationUrl: string; cookie: string; intent: 'allow' | 'deny' }
  | { id: number; type: 'stop' }

export type InstanceReply =
  | { id: number; type: 'ready'; pid: number }
  | { id: number; type: 'step'; status: number; location: string }
  /** Each call's outcome: `ok` or the failure kind. `refreshTokenRequests` is this process's refreshStats. */
  | { id: number; type: 'calls'; outcomes: string[]; refreshTokenRequests: number }
  /** Where the instance's gateway listens (its PUBLIC_URL is the balancer's origin in front of it). */
  | { id: number; type: 'listening'; origin: string }
  | { id: number; type: 'stopped' }
  | { id: number; type: 'error'; message: string }
