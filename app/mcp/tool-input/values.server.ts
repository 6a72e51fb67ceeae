import { findOption, isRecord } from '#app/mcp/tool-input/helpers.server.ts'
import {
  type FormValues,
  type ListField,
  MAX_DEFAULT_TEXT_CHARS,
  MAX_RAW_JSON_CHARS,
  RAW_JSON_FIELD_NAME,
  type ToolField,
  type ToolFormSpec,
} from '#app/mcp/tool-input/spec.ts'


/** Form values (keyed by field name) that show `args` in the form, e.g. after a run. Never throws. */
export function formValuesFromArguments(args: unknown, spec: ToolFormSpec): FormValues {
  const values: FormValues = {}
  if (!isRecord(args)) return values
  try {
    const fieldNames = new Set(spec.fields.map((field) => field.name))
    for (const field of spec.fields) {
      if (!Object.hasOwn(args, field.name)) continue
      const encoded = encodeFieldValue(field, args[field.name])
      if (encoded !== undefined) values[field.inputName] = encoded
    }
    const rest = Object.entries(args).filter(([name]) => !fieldNames.has(name))
    if (spec.rawJson.needed && rest.length > 0) {
      const text = JSON.stringify(Object.fromEntries(rest), null, 2)
      if (text.length <= MAX_RAW_JSON_CHARS) values[RAW_JSON_FIELD_NAME] = text
    }
  } catch {
    // Fails open to a partly filled form: re-filling is a convenience.
  }
  return values
}

/** The values exactly as posted, to re-fill the form after a failed check. Never throws. */
export function formValuesFromSubmission(formData: FormData | URLSearchParams, spec: ToolFormSpec): FormValues {
  const values: FormValues = {}
  const text = (name: string) => {
    const value = formData.get(name)
    return typeof value === 'string' ? value : undefined
  }
  for (const field of spec.fields) {
    if (field.kind === 'multi-enum') {
      values[field.inputName] = formData.getAll(field.inputName).filter((value): value is string => typeof value === 'string')
      continue
    }
    const value = text(field.inputName)
    if (value !== undefined) values[field.inputName] = field.kind === 'boolean' && field.control === 'checkbox' ? 'true' : value
  }
  const raw = text(RAW_JSON_FIELD_NAME)
  if (spec.rawJson.needed && raw !== undefined) values[RAW_JSON_FIELD_NAME] = raw
  return values
}

function encodeFieldValue(field: ToolField, value: unknown): string | string[] | undefined {
  if (value === null && field.nullable) return field.kind === 'multi-enum' ? [] : ''
  switch (field.kind) {
    case 'text':
      return typeof value === 'string' ? value : undefined
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined
    case 'boolean':
      if (typeof value !== 'boolean') return undefined
      // An unchecked checkbox is the absence of a value.
      return value ? 'true' : field.control === 'checkbox' ? undefined : 'false'
    case 'enum':
      return findOption(field.options, value)?.value
    case 'list':
      return encodeList(field, value)
    case 'multi-enum': {
      if (!Array.isArray(value)) return undefined
      const options = value.map((item) => findOption(field.options, item))
      return options.every(Boolean) ? options.map((option) => option?.value ?? '') : undefined
    }
  }
}

export function encodeList(field: ListField, value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined
  const lines: string[] = []
  for (const item of value) {
    const ok =
      field.itemType === 'string'
        ? typeof item === 'string' && item.trim() === item && item !== '' && !/[\r\n]/.test(item)
        : field.itemType === 'boolean'
          ? typeof item === 'boolean'
          : typeof item === 'number' && Number.isFinite(item)
    // A value one line cannot carry (newline, edge spaces) would come back changed: show none.
    if (!ok) return undefined
    lines.push(String(item))
  }
  const text = lines.join('\n')
  return text.length <= MAX_DEFAULT_TEXT_CHARS ? text : undefined
}
