/**
 * Headers on every response. The CSP allows scripts only from this origin or carrying the
 * response's nonce (Remix's inline hydration scripts get it), never inline otherwise.
 */
export function securityHeaders(options: { nonce: string; development: boolean }): Record<string, string> {
  const scriptSrc = [`'self'`, `'nonce-${options.nonce}'`]
  // Vite's dev server pushes updates over a WebSocket on the same host.
  const connectSrc = options.development ? [`'self'`, 'ws:', 'wss:'] : [`'self'`]
  const csp = [
    `default-src 'self'`,
    `script-src ${scriptSrc.join(' ')}`,
    `style-src 'self'`,
    // Tool results carry images and audio inline as data: URLs (app/components/tool-result.tsx).
    `img-src 'self' data:`,
    `media-src 'self' data:`,
    `font-src 'self'`,
    `connect-src ${connectSrc.join(' ')}`,
    `object-src 'none'`,
    `base-uri 'none'`,
    `frame-ancestors 'none'`,
    // NOTE: no form-action: starting OAuth is a form POST answered by a 302 to the
    // authorization server, and Chromium applies form-action to that redirect's target.
  ].join('; ')
  return {
    'Content-Security-Policy': csp,
    'Referrer-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
    // Pages show workspace data (members, servers, audit): never kept in a shared or disk cache.
    // Static files and routes that say otherwise (e.g. the client metadata document) replace it.
    'Cache-Control': 'no-store',
  }
}
