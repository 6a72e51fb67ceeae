/**
 * A same-origin, relative path to send the user to after an action, or `fallback`.
 * Refuses absolute URLs, protocol-relative `//host`, backslash tricks and control characters.
 */
export function safeRedirectPath(target: unknown, fallback = '/'): string {
  if (typeof target !== 'string' || target.length === 0 || target.length > 2048) return fallback
  if (!target.startsWith('/') || target.startsWith('//') || target.startsWith('/\\')) return fallback
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(target)) return fallback
  try {
    const url = new URL(target, 'http://switchboard.invalid')
    if (url.origin !== 'http://switchboard.invalid') return fallback
    const path = url.pathname + url.search + url.hash
    // Dot segments collapse "/.//host" into "//host", which a browser reads as another host.
    return path.startsWith('//') || path.startsWith('/\\') ? fallback : path
  } catch {
    return fallback
  }
}
