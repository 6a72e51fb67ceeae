// The server page's forms: one zod schema each, joined in one discriminated union on `intent`
// that the action parses once (shared by the client and actions.server.ts).
import { z } from 'zod'
import { OAUTH_EXCEPTION_NAMES } from '#app/oauth/rules.ts'
import {
  AgentPrefixSchema,
  HeaderNameSchema,
  HeaderValueSchema,
  OAuthClientIdSchema,
  OAuthClientSecretSchema,
  OAuthScopesSchema,
  TokenAuthMethodSchema,
} from '#app/servers/validation.ts'

export const testOAuthIntent = 'test-oauth'
export const setOAuthClientIntent = 'set-oauth-client'
export const removeOAuthClientIntent = 'remove-oauth-client'
export const setOAuthScopesIntent = 'set-oauth-scopes'
export const setOAuthSharedIntent = 'set-oauth-shared'
export const setOAuthExceptionIntent = 'set-oauth-exception'
export const testIntent = 'test-connection'
export const enableIntent = 'set-enabled'
export const setHeaderIntent = 'set-header'
export const removeHeaderIntent = 'remove-header'
export const setAgentAccessIntent = 'set-agent-access'

const confirm = z.literal('on', { error: 'Tick the box to confirm' })
const onOff = z.enum(['true', 'false'], { error: 'Choose on or off' }).transform((value) => value === 'true')

/** Any member: lists the tools with their own connection. */
export const TestOAuthFormSchema = z.object({ intent: z.literal(testOAuthIntent) })
export const OAuthClientFormSchema = z.object({
  intent: z.literal(setOAuthClientIntent),
  clientId: OAuthClientIdSchema,
  /** Empty keeps the stored secret of the same client. */
  clientSecret: OAuthClientSecretSchema.optional(),
  authMethod: TokenAuthMethodSchema,
})
export const RemoveOAuthClientFormSchema = z.object({ intent: z.literal(removeOAuthClientIntent), confirm })
export const OAuthScopesFormSchema = z.object({ intent: z.literal(setOAuthScopesIntent), scopes: OAuthScopesSchema.optional() })
export const OAuthSharedFormSchema = z.object({ intent: z.literal(setOAuthSharedIntent), shared: onOff })
export const OAuthExceptionFormSchema = z.object({
  intent: z.literal(setOAuthExceptionIntent),
  exception: z.enum(OAUTH_EXCEPTION_NAMES, { error: 'Unknown exception' }),
  enabled: onOff,
})
export const TestConnectionFormSchema = z.object({ intent: z.literal(testIntent) })
export const EnableFormSchema = z.object({ intent: z.literal(enableIntent), enabled: onOff })
export const SetHeaderFormSchema = z.object({
  intent: z.literal(setHeaderIntent),
  headerName: HeaderNameSchema,
  headerValue: HeaderValueSchema,
})
export const RemoveHeaderFormSchema = z.object({
  intent: z.literal(removeHeaderIntent),
  headerId: z.string().min(1).max(64),
  confirm,
})

/** "Available to agents" (a checkbox: "on" when ticked) and the agent tool prefix (empty: derived from the name). */
export const AgentAccessFormSchema = z.object({
  intent: z.literal(setAgentAccessIntent),
  available: z
    .literal('on')
    .optional()
    .transform((value) => value === 'on'),
  agentPrefix: AgentPrefixSchema.optional(),
})

export const ServerPageFormSchema = z.discriminatedUnion('intent', [
  TestOAuthFormSchema,
  OAuthClientFormSchema,
  RemoveOAuthClientFormSchema,
  OAuthScopesFormSchema,
  OAuthSharedFormSchema,
  OAuthExceptionFormSchema,
  TestConnectionFormSchema,
  EnableFormSchema,
  SetHeaderFormSchema,
  RemoveHeaderFormSchema,
  AgentAccessFormSchema,
])
export type ServerPageForm = z.infer<typeof ServerPageFormSchema>
export type ServerPageIntent = ServerPageForm['intent']

const IntentSchema = z.enum([
  testOAuthIntent,
  setOAuthClientIntent,
  removeOAuthClientIntent,
  setOAuthScopesIntent,
  setOAuthSharedIntent,
  setOAuthExceptionIntent,
  testIntent,
  enableIntent,
  setHeaderIntent,
  removeHeaderIntent,
  setAgentAccessIntent,
])

/** The intent a submission names (also when its other fields are invalid); null when unknown. */
export function intentOf(payload: Record<string, unknown>): ServerPageIntent | null {
  const parsed = IntentSchema.safeParse(payload.intent)
  return parsed.success ? parsed.data : null
}

/** Secrets never go back into a form (STYLE.md). */
export const hideFields = ['clientSecret', 'headerValue']
