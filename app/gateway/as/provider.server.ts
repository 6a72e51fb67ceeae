import type { IncomingMessage, ServerResponse } from 'node:http'

// PLACEHOLDER (issue 13 skeleton): the authorization server (oidc-provider on a Prisma adapter) replaces this file.

/** True for the authorization server's paths: `/as/…` and its metadata (RFC 8414, OpenID discovery). */
export function isAuthorizationServerPath(pathname: string): boolean {
  return /^\/(?:as\/|\.well-known\/(?:oauth-authorization-server|openid-configuration)$)/.test(pathname)
}

/** Answers one request of the authorization server. */
export async function handleAuthorizationServer(_req: IncomingMessage, res: ServerResponse, _context: { clientIp: string }): Promise<void> {
  res.statusCode = 404
  res.end()
}
