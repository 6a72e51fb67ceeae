import type { LoaderFunctionArgs } from '@remix-run/node'
import { z } from 'zod'
import { listServerAddresses } from '#app/models/server.server.ts'
import { requireMembership } from '#app/models/workspace.server.ts'
import { EXPORT_FORMATS, EXPORT_FORMAT_LABELS, writeConfigFile } from '#app/servers/config-file/write.ts'
import { requireUser } from '#app/utils/auth.server.ts'

const ExportQuerySchema = z.object({ format: z.enum(EXPORT_FORMATS).catch('vscode') })

/** The workspace's servers as an MCP client configuration file (no secrets), for any member. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireMembership(user.id, params.workspaceId ?? '')
  const { format } = ExportQuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams))
  const body = writeConfigFile(format, await listServerAddresses(workspace.id))
  return new Response(body, {
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="${EXPORT_FORMAT_LABELS[format].fileName}"`,
      'Cache-Control': 'private, no-store',
    },
  })
}
