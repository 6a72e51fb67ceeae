import type { AppLoadContext } from '@remix-run/node'

declare module '@remix-run/node' {
  interface AppLoadContext {
    /** The client's address as the HTTP server determined it (TRUST_PROXY_HOPS aware). */
    clientIp: string
    /** The nonce of this response's Content-Security-Policy. */
    cspNonce: string
    requestId: string
  }
}

/** The client's IP for throttling; "unknown" when the server did not provide one. */
export function clientIpOf(context: AppLoadContext | undefined): string {
  return context?.clientIp || 'unknown'
}
