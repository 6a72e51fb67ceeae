import { DEMO_PAGES_CSS } from '#scripts/demo/pages-style.ts'
import { startOidcMcpServer, type OidcMcpServer } from '#tests/servers/oidc-provider-server.ts'

// The OAuth demo: an MCP server that trusts its own authorization server (npm oidc-provider, on a
// second port), with a real sign-in page and consent page, so a newcomer can walk Switchboard's whole
// OAuth flow offline. NOTE: this is the oidc-provider test peer, not a second copy of it, so the demo
// and the tests exercise the same server. oidc-provider is a devDependency; that is fine because only
// `npm run dev` and the test tooling import scripts/demo, both after `npm ci`, never the production build.

export type DemoOAuthServerOptions = {
  /** Port of the MCP server on 127.0.0.1; 0 picks a free one. */
  mcpPort: number
  /** Port of the authorization server (the issuer) on 127.0.0.1; 0 picks a free one. */
  issuerPort: number
  /** Switchboard's address: every page links back to it (also "Sign-in expired", reached with Back). */
  appUrl: string
}

/** The name the sign-in page suggests; any other name works as well. */
export const DEMO_OAUTH_LOGIN = 'demo-user'

/**
 * Starts the OAuth demo (two listeners on 127.0.0.1) and resolves once both listen.
 * Rejects when a port cannot be bound (the error keeps `code` and `port`); nothing is left listening then.
 */
export function startDemoOAuthServer({ mcpPort, issuerPort, appUrl }: DemoOAuthServerOptions): Promise<OidcMcpServer> {
  return startOidcMcpServer({
    mcpPort,
    issuerPort,
    resourceName: 'Switchboard demo MCP server (OAuth)',
    // The person has just left Switchboard for another origin: say where they are and that nothing here is real.
    serverName: 'Demo authorization server (not Switchboard)',
    notice:
      'This is the demo authorization server that runs on your computer next to the demo MCP servers. ' +
      'It is not Switchboard and has no real accounts.',
    loginHint: 'Demo sign-in: any name works, and there is no password.',
    prefilledLogin: DEMO_OAUTH_LOGIN,
    appLink: { href: appUrl, label: 'Back to Switchboard' },
    styles: DEMO_PAGES_CSS,
  })
}
