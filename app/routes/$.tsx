import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { StatusErrorBoundary } from '#app/components/error-boundary.tsx'
import { getUser } from '#app/utils/auth.server.ts'

// Every path no other route matches. NOTE: without this route an unknown path matches nothing on the server,
// and with lazy route discovery the browser then matches it differently (it discovers `login` for `/login/x`),
// so React's hydration failed and the page fell back to client rendering (issue 11, point 4). A route that
// matches such paths on both sides renders the same 404 page in both.

export async function loader({ request }: LoaderFunctionArgs) {
  // Nothing here is private, but the rule holds: say who is asking first (the answer is the same for all).
  await getUser(request)
  throw new Response('Page not found', { status: 404, statusText: 'Not Found' })
}

export default function NotFoundRoute() {
  // Never rendered: the loader always throws.
  return null
}

export const meta: MetaFunction = () => [{ title: 'Page not found · Switchboard' }]

export function ErrorBoundary() {
  return <StatusErrorBoundary outsideWorkspace />
}
