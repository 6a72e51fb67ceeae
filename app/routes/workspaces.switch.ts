import type { ActionFunctionArgs } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { z } from 'zod'
import { rememberWorkspace, requireMembership } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'

const SwitchFormSchema = z.object({ workspaceId: z.string().min(1).max(64) })

export async function loader() {
  return redirect('/')
}

/** The workspace switcher posts here (a plain form, so it works without JavaScript). */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const parsed = SwitchFormSchema.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) throw new Response('Choose a workspace to switch to', { status: 400 })
  const { workspace } = await requireMembership(user.id, parsed.data.workspaceId)
  await rememberWorkspace(user.id, workspace.id)
  return redirect(`/w/${workspace.id}`)
}
