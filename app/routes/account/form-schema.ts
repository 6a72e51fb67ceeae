// Account settings' forms: one zod schema each, joined on `intent` (shared by the page and actions.server.ts).
import { z } from 'zod'
import { NewPasswordSchema, PasswordSchema } from '#app/utils/user-validation.ts'

export const changePasswordIntent = 'change-password'
export const endSessionIntent = 'end-session'
export const endOtherSessionsIntent = 'end-other-sessions'
export const deleteAccountIntent = 'delete-account'

export const ChangePasswordFormSchema = z
  .object({
    intent: z.literal(changePasswordIntent),
    currentPassword: PasswordSchema,
    newPassword: NewPasswordSchema,
  })
  .refine((value) => value.newPassword !== value.currentPassword, {
    path: ['newPassword'],
    message: 'Choose a password different from the current one',
  })
export const EndSessionFormSchema = z.object({ intent: z.literal(endSessionIntent), session: z.string().regex(/^[0-9a-f]{32}$/) })
export const EndOtherSessionsFormSchema = z.object({ intent: z.literal(endOtherSessionsIntent) })
export const DeleteAccountFormSchema = z.object({
  intent: z.literal(deleteAccountIntent),
  password: PasswordSchema,
  confirm: z.literal('on', { error: 'Tick the box to confirm' }),
})

export const AccountActionSchema = z.discriminatedUnion('intent', [
  ChangePasswordFormSchema,
  EndSessionFormSchema,
  EndOtherSessionsFormSchema,
  DeleteAccountFormSchema,
])
export const AccountIntentSchema = z.enum([changePasswordIntent, endSessionIntent, endOtherSessionsIntent, deleteAccountIntent])
export type AccountIntent = z.infer<typeof AccountIntentSchema>
export type AccountForm = z.infer<typeof AccountActionSchema>

/** "Firefox on Linux" from a User-Agent string: enough to tell one's browsers apart. */
export function describeUserAgent(userAgent: string | null): string {
  if (!userAgent) return 'Unknown browser'
  const browser =
    [
      ['Edg/', 'Edge'],
      ['OPR/', 'Opera'],
      ['Firefox/', 'Firefox'],
      ['Chrome/', 'Chrome'],
      ['Safari/', 'Safari'],
    ].find(([marker]) => userAgent.includes(marker ?? ''))?.[1] ?? 'A browser'
  const system =
    [
      ['Android', 'Android'],
      ['iPhone', 'iOS'],
      ['iPad', 'iPadOS'],
      ['Windows', 'Windows'],
      ['Mac OS X', 'macOS'],
      ['Linux', 'Linux'],
    ].find(([marker]) => userAgent.includes(marker ?? ''))?.[1] ?? null
  return system ? `${browser} on ${system}` : browser
}
