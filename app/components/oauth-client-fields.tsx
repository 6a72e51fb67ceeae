import type { FieldMetadata } from '@conform-to/react'
import { Field, SelectField } from '#app/components/forms.tsx'
import { TOKEN_AUTH_METHODS } from '#app/oauth/rules.ts'

export const AUTH_METHOD_LABELS: Record<(typeof TOKEN_AUTH_METHODS)[number], string> = {
  client_secret_basic: 'client_secret_basic (HTTP Basic)',
  client_secret_post: 'client_secret_post (in the request body)',
  none: 'none (public client, no secret)',
}

type ClientFields = { clientId: FieldMetadata<unknown>; clientSecret: FieldMetadata<unknown>; authMethod: FieldMetadata<unknown> }

/**
 * A pre-registered client's fields: one set for the server page's OAuth settings and the add
 * form's Advanced section. The secret is never pre-filled (Field).
 */
export function OAuthClientFields({
  fields,
  secretHelp,
  clientIdAutoFocus,
  clientIdDescribedBy,
}: {
  fields: ClientFields
  secretHelp: string
  clientIdAutoFocus?: boolean
  clientIdDescribedBy?: string
}) {
  return (
    <>
      <Field meta={fields.clientId} label="Client ID" autoComplete="off" autoFocus={clientIdAutoFocus} describedBy={clientIdDescribedBy} />
      <Field meta={fields.clientSecret} label="Client secret" type="password" help={secretHelp} />
      <SelectField
        meta={fields.authMethod}
        label="Token endpoint authentication"
        options={TOKEN_AUTH_METHODS.map((value) => ({ value, label: AUTH_METHOD_LABELS[value] }))}
      />
    </>
  )
}
