// The audit log's filtered view as a CSV download (the page's "Download CSV"): owners and admins
// only, like the page. Tool arguments and secrets are never in it (models/activity-csv.server.ts).
import type { LoaderFunctionArgs } from '@remix-run/node'
import { activityCsv } from '#app/models/activity-csv.server.ts'
import { parseActivityFilter } from '#app/models/activity.server.ts'
import { requireWorkspaceAdmin } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireWorkspaceAdmin(user.id, params.workspaceId ?? '')
  const filter = parseActivityFilter(new URL(request.url).searchParams)
  const day = new Date().toISOString().slice(0, 10)
  return new Response(activityCsv(workspace.id, filter), {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="switchboard-audit-${day}.csv"`,
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  })
}
