// The server page's intents and the zod schemas of its forms (shared by the client and actions.server.ts).
import { z } from 'zod'
import { HeaderNameSchema, HeaderValueSchema } from '#app/utils/server-validation.ts'

export const testIntent = 'test-connection'
export const enableIntent = 'set-enabled'
export const setHeaderIntent = 'set-header'
export const removeHeaderIntent = 'remove-header'

export const SetHeaderFormSchema = z.object({
  intent: z.literal(setHeaderIntent),
  headerName: HeaderNameSchema,
  headerValue: HeaderValueSchema,
})
export const RemoveHeaderFormSchema = z.object({
  intent: z.literal(removeHeaderIntent),
  headerId: z.string().min(1).max(64),
  confirm: z.literal('on', { error: 'Tick the box to confirm' }),
})
export const EnableFormSchema = z.object({ intent: z.literal(enableIntent), enabled: z.enum(['true', 'false']) })
