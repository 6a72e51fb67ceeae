import { countNodes, ellipsize } from '#app/mcp/display-bounds.ts'
import { describeToolForm } from '#app/mcp/tool-input/describe.server.ts'
import { ErrorCollector, describeValues, mapAjvErrors } from '#app/mcp/tool-input/errors.server.ts'
import { formatCount, isRecord } from '#app/mcp/tool-input/helpers.server.ts'
import {
  type EnumValue,
  type ListField,
  MAX_ARGUMENT_DEPTH,
  MAX_RAW_JSON_CHARS,
  MAX_SCHEMA_DEPTH,
  MAX_VALIDATION_WORK,
  type ParseToolArgumentsResult,
  RAW_JSON_FIELD_NAME,
  type ToolField,
  type ToolFormSpec,
} from '#app/mcp/tool-input/spec.ts'
import { getValidator } from '#app/mcp/tool-input/validator.server.ts'


/**
 * Converts a posted tool form into `arguments` and checks them against the tool's inputSchema.
 * Never throws; every problem comes back as `fieldErrors` (keyed by form field name) or `formErrors`.
 */
export function parseToolArguments(formData: FormData | URLSearchParams, inputSchema: unknown): ParseToolArgumentsResult {
  try {
    return parse(formData, inputSchema)
  } catch {
    return { ok: false, fieldErrors: {}, formErrors: ['Switchboard could not check these arguments. Please try again.'] }
  }
}

function parse(formData: FormData | URLSearchParams, inputSchema: unknown): ParseToolArgumentsResult {
  const spec = describeToolForm(inputSchema)
  const values = new Map<string, unknown>()
  const errors = new ErrorCollector()
  /** For list fields: the 1-based line each array index came from, so errors name the right line. */
  const lineNumbers = new Map<string, number[]>()

  for (const field of spec.fields) {
    const converted = convertField(field, formData)
    if ('error' in converted) errors.add(field.inputName, converted.error, true)
    else if ('value' in converted) {
      values.set(field.name, converted.value)
      if (converted.lines) lineNumbers.set(field.inputName, converted.lines)
    }
  }

  if (spec.rawJson.needed) {
    const raw = readRawJson(formData, spec)
    if ('error' in raw) errors.add(RAW_JSON_FIELD_NAME, raw.error, true)
    else {
      for (const [key, value] of raw.entries) {
        if (values.has(key) || spec.fields.some((field) => field.name === key)) {
          errors.add(RAW_JSON_FIELD_NAME, `“${ellipsize(key, 60)}” has its own field in this form; remove it from the JSON`, true)
        } else values.set(key, value)
      }
    }
  }

  // Object.fromEntries defines own properties, so a property named "__proto__" stays data.
  const args: Record<string, unknown> = Object.fromEntries(values)
  if (!spec.schemaError) {
    const compiled = getValidator(inputSchema)
    if (!compiled.ok) return { ok: false, fieldErrors: {}, formErrors: [compiled.message] }
    // Checking costs roughly schema size × data size: bound it, or one big submission against a
    // big schema (a 50,000-value enum) would block the event loop for everyone.
    const dataNodes = countNodes(args, Math.floor(MAX_VALIDATION_WORK / compiled.schemaNodes), MAX_SCHEMA_DEPTH)
    if (typeof dataNodes !== 'number') {
      errors.addForm('These arguments are too large or too deeply nested for Switchboard to check against this tool’s schema.')
      return { ok: false, ...errors.result() }
    }
    if (!compiled.validate(args)) {
      mapAjvErrors(compiled.validate.errors ?? [], spec, args, lineNumbers, errors)
    }
  }
  if (errors.isEmpty()) return { ok: true, arguments: args }
  return { ok: false, ...errors.result() }
}

type Converted = { error: string } | { value: unknown; lines?: number[] } | { omit: true }

function firstString(formData: FormData | URLSearchParams, name: string): string | null | { file: true } {
  const value = formData.get(name)
  if (value === null || typeof value === 'string') return value
  return { file: true }
}

function emptyValue(field: ToolField): Converted {
  // An empty control means "not set": omitted when optional; null when required but nullable;
  // otherwise omitted, and the schema check reports it as required.
  if (field.required && field.nullable) return { value: null }
  return { omit: true }
}

function convertField(field: ToolField, formData: FormData | URLSearchParams): Converted {
  if (field.kind === 'multi-enum') {
    const submitted = formData.getAll(field.inputName)
    const chosen: EnumValue[] = []
    for (const value of submitted) {
      const option = typeof value === 'string' ? field.options.find((candidate) => candidate.value === value) : undefined
      if (!option) return { error: `Must be chosen from: ${describeValues(field.options.map((candidate) => candidate.json))}` }
      chosen.push(option.json)
    }
    if (chosen.length === 0 && !field.required) return { omit: true }
    return { value: chosen }
  }

  const raw = firstString(formData, field.inputName)
  if (raw !== null && typeof raw !== 'string') return { error: 'Must be text, not a file' }

  if (field.kind === 'boolean' && field.control === 'checkbox') {
    if (raw === null) return { value: false }
    if (raw === 'true' || raw === 'on') return { value: true }
    return { error: 'Must be checked or unchecked' }
  }
  if (raw === null || raw === '') return field.kind === 'list' && field.required ? { value: [] } : emptyValue(field)

  switch (field.kind) {
    case 'text':
      return { value: raw }
    case 'number': {
      const parsed = parseNumber(raw, field.integer)
      return typeof parsed === 'number' ? { value: parsed } : { error: parsed.error }
    }
    case 'boolean':
      if (raw === 'true') return { value: true }
      if (raw === 'false') return { value: false }
      return { error: 'Must be true, false or not set' }
    case 'enum': {
      const option = field.options.find((candidate) => candidate.value === raw)
      return option ? { value: option.json } : { error: `Must be one of: ${describeValues(field.options.map((o) => o.json))}` }
    }
    case 'list': {
      const items: unknown[] = []
      const lines: number[] = []
      const lineList = raw.split(/\r\n|\r|\n/)
      for (const [index, line] of lineList.entries()) {
        const value = line.trim()
        if (value === '') continue
        const item = parseListItem(value, field.itemType)
        if (typeof item === 'object' && item !== null) return { error: `Line ${index + 1}: ${item.error}` }
        items.push(item)
        lines.push(index + 1)
      }
      if (items.length === 0 && !field.required) return { omit: true }
      return { value: items, lines }
    }
  }
}

function parseListItem(value: string, itemType: ListField['itemType']): string | number | boolean | { error: string } {
  if (itemType === 'string') return value
  if (itemType === 'boolean') {
    if (value === 'true') return true
    if (value === 'false') return false
    return { error: 'Must be true or false' }
  }
  return parseNumber(value, itemType === 'integer')
}

const NUMBER_PATTERN = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/

/** Strict: no hex, no "1_000", no "Infinity", no silently rounded integers. */
function parseNumber(input: string, integer: boolean): number | { error: string } {
  const text = input.trim()
  if (!NUMBER_PATTERN.test(text)) return { error: integer ? 'Must be a whole number' : 'Must be a number' }
  const value = Number(text)
  if (!Number.isFinite(value)) return { error: 'Is too large' }
  if (integer) {
    if (!Number.isInteger(value)) return { error: 'Must be a whole number' }
    if (!Number.isSafeInteger(value)) return { error: 'Is too large to send exactly' }
  }
  return value
}

function readRawJson(
  formData: FormData | URLSearchParams,
  spec: ToolFormSpec,
): { error: string } | { entries: Array<[string, unknown]> } {
  const raw = firstString(formData, RAW_JSON_FIELD_NAME)
  if (raw !== null && typeof raw !== 'string') return { error: 'Must be text, not a file' }
  if (raw === null || raw.trim() === '') return { entries: [] }
  if (raw.length > MAX_RAW_JSON_CHARS) return { error: `Is too long (at most ${formatCount(MAX_RAW_JSON_CHARS)} characters)` }
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch (error) {
    const detail = error instanceof SyntaxError ? `: ${ellipsize(error.message, 120)}` : ''
    return { error: `Is not valid JSON${detail}` }
  }
  // Such arguments would overflow the stack when sent (JSON.stringify recurses), so say it here.
  if (countNodes(parsed, Number.MAX_SAFE_INTEGER, MAX_ARGUMENT_DEPTH) === 'too-deep') {
    return { error: `Is nested too deeply (at most ${MAX_ARGUMENT_DEPTH} levels)` }
  }
  if (!isRecord(parsed)) {
    return { error: spec.fields.length ? 'Must be a JSON object, like {"name": "value"}' : 'Must be a JSON object of arguments, like {"name": "value"}' }
  }
  return { entries: Object.entries(parsed) }
}
