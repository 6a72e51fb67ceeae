const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export type OriginVerdict = { ok: true } | { ok: false; message: string }

/**
 * Cross-site request check for state-changing requests (on top of SameSite=Lax cookies):
 * the Origin header, or the Referer when a browser sent no Origin, must be PUBLIC_URL's origin.
 * A request with neither is refused: every browser we support sends Origin on POST.
 *
 * NOTE: this relies on Referrer-Policy "same-origin": under "no-referrer" browsers send
 * `Origin: null` even for same-origin form posts, which this check would refuse.
 */
export function checkRequestOrigin(
  method: string,
  headers: { origin?: string | null; referer?: string | null },
  publicOrigin: string,
): OriginVerdict {
  if (SAFE_METHODS.has(method.toUpperCase())) return { ok: true }
  const claimed = headers.origin ?? originOfReferer(headers.referer)
  if (!claimed) {
    return { ok: false, message: 'This request did not say which site it came from, so it was refused.' }
  }
  if (claimed !== publicOrigin) {
    return {
      ok: false,
      message:
        claimed === 'null'
          ? 'This request came from an opaque origin, so it was refused.'
          : `This request came from ${claimed}, but Switchboard runs at ${publicOrigin}. Open ${publicOrigin} and try again.`,
    }
  }
  return { ok: true }
}

function originOfReferer(referer: string | null | undefined): string | null {
  if (!referer) return null
  try {
    return new URL(referer).origin
  } catch {
    return null
  }
}
