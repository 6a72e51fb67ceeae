import { createCookie, redirect } from '@remix-run/node'
import { z } from 'zod'
import { getEnv } from '#app/utils/env.server.ts'

/** A one-time message shown on the next page (Post/Redirect/Get). */
export const FlashSchema = z.object({
  kind: z.enum(['success', 'error', 'info']),
  message: z.string().max(500),
})
export type Flash = z.infer<typeof FlashSchema>

let flashCookie: ReturnType<typeof createCookie> | undefined

function getFlashCookie() {
  const env = getEnv()
  // Signed so that a cookie planted by a sibling host cannot put words in our mouth.
  flashCookie ??= createCookie('sb_flash', {
    httpOnly: true,
    sameSite: 'lax',
    secure: env.secureCookies,
    path: '/',
    maxAge: 60,
    secrets: [env.SESSION_SECRET],
  })
  return flashCookie
}

/** The Set-Cookie header that carries `flash` to the next page. */
export function serializeFlash(flash: Flash): Promise<string> {
  return getFlashCookie().serialize(flash)
}

/** A redirect that shows `flash` on the page it lands on. Extra headers (e.g. a session cookie) are kept. */
export async function redirectWithFlash(url: string, flash: Flash, init?: { headers?: HeadersInit }) {
  const headers = new Headers(init?.headers)
  headers.append('Set-Cookie', await serializeFlash(flash))
  return redirect(url, { headers })
}

/** Reads this request's flash; `clearHeader` (when set) must go out with the response to consume it. */
export async function readFlash(request: Request): Promise<{ flash: Flash | null; clearHeader: string | null }> {
  const cookie = getFlashCookie()
  const raw: unknown = await cookie.parse(request.headers.get('Cookie'))
  if (raw === null || raw === undefined) return { flash: null, clearHeader: null }
  const parsed = FlashSchema.safeParse(raw)
  return {
    flash: parsed.success ? parsed.data : null,
    clearHeader: await cookie.serialize('', { maxAge: 0 }),
  }
}
