import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { StatusErrorBoundary } from '#app/components/error-boundary.tsx'
import { requireMembership } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'

// An unknown path inside a workspace (`/w/:id/y/z/q`): a 404 inside the workspace layout, so its menu stays
// for a member. Like app/routes/$.tsx, it also keeps the browser's route matching equal to the server's.

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  // A workspace the person is not in is not found either, by the layout's own check.
  await requireMembership(user.id, params.workspaceId ?? '')
  throw new Response('Page not found', { status: 404, statusText: 'Not Found' })
}

export default function WorkspaceNotFoundRoute() {
  return null
}

export const meta: MetaFunction = () => [{ title: 'Page not found · Switchboard' }]

export function ErrorBoundary() {
  return <StatusErrorBoundary />
}
