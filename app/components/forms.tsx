import { type FieldMetadata, type FormMetadata, getInputProps, getSelectProps } from '@conform-to/react'
import type { ReactNode } from 'react'

/**
 * A list of errors, tied to its field by `aria-describedby` (or, for a form's own errors, shown
 * first in the form). Renders nothing when there are none.
 */
export function ErrorList({ id, errors }: { id?: string; errors?: string[] | null }) {
  const messages = errors?.filter(Boolean) ?? []
  if (messages.length === 0) return null
  return (
    <ul id={id} className="error-list">
      {messages.map((message) => (
        <li key={message}>{message}</li>
      ))}
    </ul>
  )
}

type InputType = 'text' | 'email' | 'password' | 'url' | 'number' | 'search'

/**
 * A labelled input wired to its Conform field: `aria-invalid` and `aria-describedby`
 * point at the error list (and the help text when there is one).
 */
export function Field({
  meta,
  label,
  type = 'text',
  help,
  autoComplete,
  autoFocus,
  describedBy,
  placeholder,
}: {
  meta: FieldMetadata<unknown>
  label: ReactNode
  type?: InputType
  help?: ReactNode
  autoComplete?: string
  /** Rendered in the HTML, so it works without JavaScript too. */
  autoFocus?: boolean
  /** The id of more text about this field elsewhere on the page. */
  describedBy?: string
  /** What an empty field means (e.g. the value used instead); the help text says it in words too. */
  placeholder?: string
}) {
  const helpId = help ? `${meta.id}-help` : undefined
  const inputProps = getInputProps(meta, { type, ariaDescribedBy: [describedBy, helpId].filter(Boolean).join(' ') || undefined })
  // Secrets are never pre-filled (STYLE.md), even after a failed submission.
  if (type === 'password') inputProps.defaultValue = undefined
  return (
    <div className="field">
      <label htmlFor={meta.id}>{label}</label>
      {help ? (
        <p id={helpId} className="field-help">
          {help}
        </p>
      ) : null}
      <input
        {...inputProps}
        key={inputProps.key}
        autoComplete={autoComplete ?? (type === 'password' ? 'off' : undefined)}
        autoFocus={autoFocus}
        placeholder={placeholder}
      />
      <ErrorList id={meta.errorId} errors={meta.errors} />
    </div>
  )
}

/** A labelled native <select> wired to its Conform field. */
export function SelectField({
  meta,
  label,
  options,
}: {
  meta: FieldMetadata<unknown>
  label: ReactNode
  options: Array<{ value: string; label: string }>
}) {
  const selectProps = getSelectProps(meta)
  return (
    <div className="field">
      <label htmlFor={meta.id}>{label}</label>
      <select {...selectProps} key={selectProps.key}>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      <ErrorList id={meta.errorId} errors={meta.errors} />
    </div>
  )
}

/** A native checkbox with its label after it, wired to its Conform field. */
export function CheckboxField({
  meta,
  label,
  help,
}: {
  meta: FieldMetadata<unknown>
  label: ReactNode
  help?: ReactNode
}) {
  const helpId = help ? `${meta.id}-help` : undefined
  const inputProps = getInputProps(meta, { type: 'checkbox', ariaDescribedBy: helpId })
  return (
    <div className="field field-checkbox">
      <input {...inputProps} key={inputProps.key} />
      <label htmlFor={meta.id}>{label}</label>
      {help ? (
        <p id={helpId} className="field-help">
          {help}
        </p>
      ) : null}
      <ErrorList id={meta.errorId} errors={meta.errors} />
    </div>
  )
}

/**
 * The errors of a form whose fields are all fixed (hidden inputs and a button): whatever the
 * server refused is said once, at the top of the form.
 */
export function FormErrors({ form }: { form: Pick<FormMetadata, 'errorId' | 'allErrors'> }) {
  return <ErrorList id={form.errorId} errors={Object.values(form.allErrors).flat()} />
}
