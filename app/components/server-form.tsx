import type { FieldMetadata } from '@conform-to/react'
import { CheckboxField, Field, SelectField } from '#app/components/forms.tsx'
import {
  AUTH_CHOICES,
  AUTH_CHOICE_LABELS,
  SERVER_TIMEOUT_MAX_SECONDS,
  TRANSPORTS,
  TRANSPORT_LABELS,
} from '#app/utils/server-validation.ts'

type ServerFields = {
  name: FieldMetadata<unknown>
  url: FieldMetadata<unknown>
  transport: FieldMetadata<unknown>
  authType: FieldMetadata<unknown>
  timeoutSeconds: FieldMetadata<unknown>
  enabled: FieldMetadata<unknown>
  saveUnreachable: FieldMetadata<unknown>
}

/** The fields shared by the add and edit server forms. */
export function ServerFormFields({
  fields,
  showEnabled,
  showSaveUnreachable,
}: {
  fields: ServerFields
  showEnabled: boolean
  showSaveUnreachable: boolean
}) {
  return (
    <>
      <Field meta={fields.name} label="Name" help="How people in this workspace will recognise it, e.g. “Linear”." />
      <Field
        meta={fields.url}
        label="MCP endpoint URL"
        type="url"
        help="The server’s MCP address, e.g. https://mcp.example.com/mcp"
      />
      <SelectField
        meta={fields.transport}
        label="Transport"
        options={TRANSPORTS.map((value) => ({ value, label: TRANSPORT_LABELS[value] }))}
      />
      <SelectField
        meta={fields.authType}
        label="Authentication"
        options={AUTH_CHOICES.map((value) => ({ value, label: AUTH_CHOICE_LABELS[value] }))}
      />
      <Field
        meta={fields.timeoutSeconds}
        label="Request timeout (seconds)"
        type="number"
        help={`How long to wait for this server, 1 to ${SERVER_TIMEOUT_MAX_SECONDS} seconds.`}
      />
      {showEnabled ? (
        <CheckboxField meta={fields.enabled} label="Enabled" help="Disabled servers stay configured but are not used." />
      ) : null}
      {showSaveUnreachable ? (
        <CheckboxField
          meta={fields.saveUnreachable}
          label="Save anyway"
          help="The connection test failed. Tick this to save the server all the same, e.g. when it is down right now."
        />
      ) : null}
    </>
  )
}
