import type { ServerBuild } from '@remix-run/node'
import { type BodyRefusal, isDataRequest } from '#app/server/request-body.ts'
import { safeRedirectPath } from '#app/utils/redirect.ts'

/**
 * The answer to a request the HTTP layer refuses before Remix runs (app/server/request-body.ts): a small page in
 * the app's look for a browser, or, for a Remix single-fetch request (`.data`), the same sentence as an error
 * Remix's client shows in the route's error boundary.
 */

const STATUS_TEXT: Record<BodyRefusal['status'], string> = {
  400: 'Bad Request',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function attributes(values: Record<string, string | undefined>): string {
  return Object.entries(values)
    .map(([name, value]) => (value === undefined ? '' : ` ${name}="${escapeHtml(value)}"`))
    .join('')
}

/** The stylesheet and icon links the root route declares, so the page looks like the app's own error page. */
function rootLinks(build: ServerBuild): string {
  const links = build.routes.root?.module.links?.() ?? []
  return links
    .flatMap((link) =>
      'rel' in link && (link.rel === 'stylesheet' || link.rel === 'icon') && typeof link.href === 'string'
        ? [`<link${attributes({ rel: link.rel, href: link.href, type: link.type, sizes: link.sizes })}>`]
        : [],
    )
    .join('')
}

/** Where "Back" leads: the page the form was on when the Referer is ours, else the start page. */
function backHref(referer: string | undefined, publicUrl: string): string {
  if (!referer) return '/'
  try {
    const url = new URL(referer)
    // Re-checked: a path like //evil.example would be read by the browser as another host.
    return url.origin === publicUrl ? safeRedirectPath(`${url.pathname}${url.search}`) : '/'
  } catch {
    return '/'
  }
}

/**
 * A turbo-stream document holding one ErrorResponse, exactly what Remix 2's single fetch sends for an action that
 * throws `new Response(message, { status })`, so its client shows the sentence instead of failing to decode.
 * NOTE: the format is Remix's (server-runtime encodeViaTurboStream); the Playwright test
 * "a JS-on form over the limit shows the sentence" breaks if an upgrade changes it.
 */
function singleFetchError(refusal: BodyRefusal): string {
  return `${JSON.stringify([{ _1: 2 }, 'error', ['ErrorResponse', 3, 4, 5], refusal.message, refusal.status, STATUS_TEXT[refusal.status]])}\n`
}

/** The status, content type and body that answer a refused request. */
export function refusalAnswer(
  refusal: BodyRefusal,
  request: { pathname: string; referer: string | undefined; publicUrl: string; build: ServerBuild },
): { status: number; contentType: string; body: string } {
  if (isDataRequest(request.pathname)) {
    return { status: refusal.status, contentType: 'text/x-script', body: singleFetchError(refusal) }
  }
  const back = backHref(request.referer, request.publicUrl)
  const body = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(refusal.title)} | Switchboard</title>${rootLinks(request.build)}</head>
<body><header class="site-header"><a class="brand" href="/"><span aria-hidden="true" class="brand-mark">⌁</span> Switchboard</a></header>
<main id="main" class="page narrow"><h1>${escapeHtml(refusal.title)}</h1><p>${escapeHtml(refusal.message)}</p>
<p><a href="${escapeHtml(back)}">${back === '/' ? 'Back to the start page' : 'Back to the form'}</a></p></main></body></html>
`
  return { status: refusal.status, contentType: 'text/html; charset=utf-8', body }
}
