import type { ReactNode } from 'react'
import { ErrorList } from '#app/components/forms.tsx'
import type { EnumOption, FormValues, ToolField, ToolFormErrors, ToolFormSpec } from '#app/mcp/tool-input/spec.ts'

const ERROR_SUMMARY_ID = 'tool-form-errors'

/**
 * The fields of a tool's argument form, rendered inside a `<Form method="post">` that the route
 * provides (pass the submit button as `children`). Built from `describeToolForm` in the loader and
 * re-filled with `formValuesFromSubmission` / `formValuesFromArguments` from the action.
 *
 * NOTE: only types come from mcp/tool-input/spec.ts, so ajv stays out of the browser bundle.
 */
export function ToolForm({
  spec,
  defaultValues,
  errors,
  children,
}: {
  spec: ToolFormSpec
  /** Replaces the schema's defaults entirely: a missing checkbox key means unchecked. */
  defaultValues?: FormValues
  errors?: Partial<ToolFormErrors> | null
  children?: ReactNode
}) {
  const values = defaultValues ?? schemaDefaults(spec)
  const fieldErrors = errors?.fieldErrors ?? {}
  const formErrors = errors?.formErrors ?? []
  return (
    <div className="tool-form">
      <ErrorSummary spec={spec} fieldErrors={fieldErrors} formErrors={formErrors} />
      {spec.schemaError ? (
        <p className="tool-form-notice" id="tool-form-schema-problem">
          {spec.schemaError}
        </p>
      ) : null}
      {spec.fields.length === 0 && !spec.rawJson.needed ? <p className="muted">This tool takes no arguments.</p> : null}
      {spec.fields.map((field) => (
        <FieldControl key={field.id} field={field} value={values[field.inputName]} errors={fieldErrors[field.inputName]} />
      ))}
      {spec.rawJson.needed ? (
        <RawJsonField spec={spec} value={values[spec.rawJson.inputName]} errors={fieldErrors[spec.rawJson.inputName]} />
      ) : null}
      {children}
    </div>
  )
}

function schemaDefaults(spec: ToolFormSpec): FormValues {
  const values: FormValues = {}
  for (const field of spec.fields) {
    if (field.defaultValue !== undefined) values[field.inputName] = field.defaultValue
  }
  if (spec.rawJson.defaultValue !== undefined) values[spec.rawJson.inputName] = spec.rawJson.defaultValue
  return values
}

/** Lists every problem at the top of the form, each linking to its field. */
function ErrorSummary({
  spec,
  fieldErrors,
  formErrors,
}: {
  spec: ToolFormSpec
  fieldErrors: Record<string, string[]>
  formErrors: string[]
}) {
  const targets = new Map<string, { id: string; label: string }>(
    spec.fields.map((field) => [field.inputName, { id: field.id, label: field.label }]),
  )
  targets.set(spec.rawJson.inputName, { id: spec.rawJson.id, label: rawJsonLabel(spec) })
  const linked: Array<{ id: string; text: string }> = []
  const unlinked = [...formErrors]
  for (const [name, messages] of Object.entries(fieldErrors)) {
    const first = messages.find(Boolean)
    if (!first) continue
    const target = targets.get(name)
    // An error for a field this form does not show (a stale form) still gets said.
    if (target) linked.push({ id: target.id, text: `${target.label}: ${first}` })
    else unlinked.push(...messages)
  }
  if (linked.length === 0 && unlinked.length === 0) return null
  return (
    <div className="error-summary" aria-labelledby={`${ERROR_SUMMARY_ID}-title`} id={ERROR_SUMMARY_ID} tabIndex={-1}>
      <h3 id={`${ERROR_SUMMARY_ID}-title`} className="error-summary-title">
        Check the arguments
      </h3>
      <ErrorList id={`${ERROR_SUMMARY_ID}-form`} errors={unlinked} />
      {linked.length > 0 ? (
        <ul className="error-summary-list">
          {linked.map((item) => (
            <li key={item.id}>
              <a href={`#${item.id}`}>{item.text}</a>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  )
}

type ControlProps = { field: ToolField; value: string | string[] | undefined; errors: string[] | undefined }

/** The ids and ARIA attributes every control shares. */
function described(id: string, hasHelp: boolean, errors: string[] | undefined) {
  const hasErrors = Boolean(errors?.some(Boolean))
  const ids = [hasHelp ? `${id}-help` : null, hasErrors ? `${id}-error` : null].filter(Boolean)
  return {
    'aria-describedby': ids.length ? ids.join(' ') : undefined,
    'aria-invalid': hasErrors ? true : undefined,
  }
}

function hasHelp(field: { description?: string; hints: string[] }) {
  return Boolean(field.description) || field.hints.length > 0
}

function FieldControl({ field, value, errors }: ControlProps) {
  const aria = described(field.id, hasHelp(field), errors)
  const single = typeof value === 'string' ? value : undefined
  // Keyed by the value so a new default (after a run) replaces what an uncontrolled control shows.
  const key = `${field.id}:${JSON.stringify(value ?? null)}`

  if (field.kind === 'boolean' && field.control === 'checkbox') {
    return (
      <div className="field field-checkbox">
        <input key={key} type="checkbox" id={field.id} name={field.inputName} value="true" defaultChecked={single === 'true'} {...aria} />
        <FieldLabel field={field} showRequired={false} />
        <Help field={field} />
        <ErrorList id={`${field.id}-error`} errors={errors} />
      </div>
    )
  }

  if (field.kind === 'multi-enum' && field.control === 'checkboxes') {
    const chosen = new Set(Array.isArray(value) ? value : [])
    return (
      <fieldset className="field tool-field-group" id={field.id} aria-describedby={aria['aria-describedby']}>
        <legend>
          <FieldLabelText field={field} showRequired={field.required && (field.minItems ?? 0) > 0} />
        </legend>
        <Help field={field} />
        {field.options.map((option, index) => (
          <div className="field-checkbox" key={option.value}>
            <input
              key={`${key}:${index}`}
              type="checkbox"
              id={`${field.id}-option-${index}`}
              name={field.inputName}
              value={option.value}
              defaultChecked={chosen.has(option.value)}
              aria-invalid={aria['aria-invalid']}
            />
            <label htmlFor={`${field.id}-option-${index}`}>{option.label}</label>
          </div>
        ))}
        <ErrorList id={`${field.id}-error`} errors={errors} />
      </fieldset>
    )
  }

  let control: ReactNode
  // Native `required` only where an empty control really is missing: never on checkboxes or the
  // tri-state select (both always mean something), nor on nullable fields (empty sends null).
  const required = field.required && !field.nullable
  switch (field.kind) {
    case 'text': {
      const common = {
        id: field.id,
        name: field.inputName,
        defaultValue: single,
        required,
        // NOTE: no maxLength attribute: the browser counts UTF-16 units and JSON Schema counts code
        // points, so an emoji would be blocked below the schema's limit. The server checks it.
        minLength: field.minLength,
        autoComplete: 'off',
        ...aria,
      }
      control =
        field.control === 'textarea' ? (
          <textarea key={key} rows={3} className="tool-field-text" {...common} />
        ) : (
          <input key={key} type={field.inputType} pattern={field.htmlPattern} {...common} />
        )
      break
    }
    case 'number':
      control = (
        <input
          key={key}
          type="number"
          id={field.id}
          name={field.inputName}
          defaultValue={single}
          required={required}
          min={field.min}
          max={field.max}
          step={field.step}
          inputMode={field.integer ? 'numeric' : 'decimal'}
          {...aria}
        />
      )
      break
    case 'boolean':
      control = (
        <select key={key} id={field.id} name={field.inputName} defaultValue={single ?? ''} {...aria}>
          <option value="">Not set</option>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      )
      break
    case 'enum':
      control = (
        <select key={key} id={field.id} name={field.inputName} defaultValue={single ?? ''} required={required} {...aria}>
          <option value="">{required ? 'Choose…' : 'Not set'}</option>
          <Options options={field.options} />
        </select>
      )
      break
    case 'list':
      control = (
        <textarea
          key={key}
          id={field.id}
          name={field.inputName}
          rows={4}
          className="tool-field-text"
          defaultValue={single}
          // An empty list is a valid required value unless the schema asks for at least one.
          required={required && (field.minItems ?? 0) > 0}
          autoComplete="off"
          spellCheck={false}
          {...aria}
        />
      )
      break
    case 'multi-enum':
      control = (
        <select
          key={key}
          id={field.id}
          name={field.inputName}
          multiple
          size={Math.min(field.options.length, 8)}
          defaultValue={Array.isArray(value) ? value : []}
          required={required && (field.minItems ?? 0) > 0}
          {...aria}
        >
          <Options options={field.options} />
        </select>
      )
      break
  }
  const showRequired = field.kind === 'list' || field.kind === 'multi-enum' ? required && (field.minItems ?? 0) > 0 : required
  return (
    <div className="field">
      <FieldLabel field={field} showRequired={showRequired} />
      <Help field={field} />
      {control}
      <ErrorList id={`${field.id}-error`} errors={errors} />
    </div>
  )
}

function Options({ options }: { options: EnumOption[] }) {
  return (
    <>
      {options.map((option) => (
        <option key={option.value} value={option.value}>
          {option.label}
        </option>
      ))}
    </>
  )
}

function FieldLabel({ field, showRequired }: { field: ToolField; showRequired: boolean }) {
  return (
    <label htmlFor={field.id}>
      <FieldLabelText field={field} showRequired={showRequired} />
    </label>
  )
}

function FieldLabelText({ field, showRequired }: { field: ToolField; showRequired: boolean }) {
  return (
    <>
      {field.label}
      {field.label !== field.name ? (
        <>
          {' '}
          <code className="tool-field-name">{field.name.length > 80 ? `${field.name.slice(0, 79)}…` : field.name}</code>
        </>
      ) : null}
      {showRequired ? <span className="tool-field-required"> (required)</span> : null}
    </>
  )
}

function Help({ field }: { field: { id: string; description?: string; hints: string[] } }) {
  if (!hasHelp(field)) return null
  return (
    <div id={`${field.id}-help`} className="field-help tool-field-help">
      {field.description ? <p className="tool-field-description">{field.description}</p> : null}
      {field.hints.length > 0 ? (
        <ul className="tool-field-hints">
          {field.hints.map((hint) => (
            <li key={hint}>{hint}</li>
          ))}
        </ul>
      ) : null}
    </div>
  )
}

function rawJsonLabel(spec: ToolFormSpec) {
  return spec.fields.length > 0 ? 'Other arguments (JSON)' : 'Arguments (JSON)'
}

function RawJsonField({ spec, value, errors }: { spec: ToolFormSpec; value: string | string[] | undefined; errors?: string[] }) {
  const { id, inputName, properties, required } = spec.rawJson
  const shown = properties.slice(0, 20).map((name) => (name.length > 60 ? `${name.slice(0, 59)}…` : name))
  const more = properties.length - shown.length
  const requiredSet = new Set(required)
  const help =
    properties.length > 0
      ? `A JSON object with ${spec.fields.length > 0 ? 'the arguments that have no field above' : 'the arguments'}: ${shown
          .map((name, index) => (requiredSet.has(properties[index] ?? '') ? `${name} (required)` : name))
          .join(', ')}${more > 0 ? ` and ${more} more` : ''}.`
      : 'A JSON object with any further arguments.'
  const aria = described(id, true, errors)
  return (
    <div className="field">
      <label htmlFor={id}>{rawJsonLabel(spec)}</label>
      <p id={`${id}-help`} className="field-help">
        {help}
      </p>
      <textarea
        key={`${id}:${typeof value === 'string' ? value : ''}`}
        id={id}
        name={inputName}
        rows={8}
        className="tool-field-json"
        defaultValue={typeof value === 'string' ? value : undefined}
        spellCheck={false}
        autoComplete="off"
        {...aria}
      />
      <ErrorList id={`${id}-error`} errors={errors} />
    </div>
  )
}
