import type { ActionFunctionArgs } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { destroySession } from '#app/utils/session.server.ts'

// Signing out is a POST (GET never changes data); a GET just goes home.
export async function loader() {
  return redirect('/')
}

export async function action({ request }: ActionFunctionArgs) {
  // Whoever is asking may sign out their own session; there is nothing else to check.
  const clearCookie = await destroySession(request)
  return redirectWithFlash('/login', { kind: 'info', message: 'You are signed out.' }, { headers: { 'Set-Cookie': clearCookie } })
}
