import type { ErrorObject } from 'ajv'
import { ellipsize } from '#app/mcp/display-bounds.ts'
import { capitalize, findOption, formatCount, plural, safeJson } from '#app/mcp/tool-input/helpers.server.ts'
import {
  MAX_AJV_ERRORS_READ,
  MAX_MESSAGES_PER_FIELD,
  RAW_JSON_FIELD_NAME,
  type ToolFormErrors,
  type ToolFormSpec,
} from '#app/mcp/tool-input/spec.ts'

export class ErrorCollector {
  private fieldMessages = new Map<string, Array<{ message: string; weak: boolean }>>()
  private formMessages: string[] = []
  /** Fields whose value could not be converted: the schema check's opinion on them adds only noise. */
  private converted = new Set<string>()

  add(key: string, message: string, conversion = false, weak = false) {
    if (conversion) this.converted.add(key)
    else if (this.converted.has(key)) return
    const list = this.fieldMessages.get(key) ?? []
    list.push({ message, weak })
    this.fieldMessages.set(key, list)
  }
  addForm(message: string) {
    if (!this.formMessages.includes(message)) this.formMessages.push(message)
  }
  isEmpty() {
    return this.fieldMessages.size === 0 && this.formMessages.length === 0
  }
  result(): ToolFormErrors {
    const fieldErrors: Record<string, string[]> = {}
    for (const [key, entries] of this.fieldMessages) {
      // "Does not match any allowed shape" and "Must be null" only help when nothing more specific was said.
      const strong = entries.filter((entry) => !entry.weak)
      const messages = [...new Set((strong.length ? strong : entries).map((entry) => entry.message))]
      fieldErrors[key] =
        messages.length > MAX_MESSAGES_PER_FIELD
          ? [...messages.slice(0, MAX_MESSAGES_PER_FIELD), `…and ${messages.length - MAX_MESSAGES_PER_FIELD} more problems`]
          : messages
    }
    return { fieldErrors, formErrors: [...this.formMessages] }
  }
}

export function mapAjvErrors(
  ajvErrors: ErrorObject[],
  spec: ToolFormSpec,
  args: Record<string, unknown>,
  lineNumbers: Map<string, number[]>,
  errors: ErrorCollector,
) {
  const fieldsByName = new Map(spec.fields.map((field) => [field.name, field]))
  for (const error of ajvErrors.slice(0, MAX_AJV_ERRORS_READ)) {
    const path = decodePointer(error.instancePath)
    const weak = isWeakError(error)
    const [first, ...rest] = path
    if (first === undefined) {
      // Errors about the arguments object itself.
      const missing = error.keyword === 'required' || error.keyword === 'dependentRequired' || error.keyword === 'dependencies'
      if (missing && typeof error.params.missingProperty === 'string') {
        const name = error.params.missingProperty
        const field = fieldsByName.get(name)
        const message = error.keyword === 'required' ? 'Required' : `Required when “${ellipsize(String(error.params.property), 60)}” is set`
        if (field) errors.add(field.inputName, message, false, weak)
        else errors.add(RAW_JSON_FIELD_NAME, `“${ellipsize(name, 60)}”: ${message}`, false, weak)
      } else if (error.keyword === 'additionalProperties' || error.keyword === 'unevaluatedProperties') {
        const name = String(error.params.additionalProperty ?? error.params.unevaluatedProperty ?? '')
        errors.add(RAW_JSON_FIELD_NAME, `“${ellipsize(name, 60)}” is not an argument this tool accepts`, false, weak)
      } else errors.addForm(readableMessage(error))
      continue
    }
    const field = fieldsByName.get(first)
    if (!field) {
      const where = [first, ...rest].map((segment) => ellipsize(segment, 60)).join('/')
      errors.add(RAW_JSON_FIELD_NAME, `“${where}”: ${readableMessage(error)}`, false, weak)
      continue
    }
    const [index] = rest
    if (error.keyword === 'uniqueItems' && index === undefined && field.kind === 'list') {
      const lines = lineNumbers.get(field.inputName) ?? []
      const first = lines[Math.min(Number(error.params.i), Number(error.params.j))]
      const second = lines[Math.max(Number(error.params.i), Number(error.params.j))]
      if (first && second) {
        errors.add(field.inputName, `Line ${second}: Repeats line ${first}`, false, weak)
        continue
      }
    }
    let prefix = ''
    if (index !== undefined && field.kind === 'list') {
      const line = lineNumbers.get(field.inputName)?.[Number(index)]
      prefix = line ? `Line ${line}: ` : ''
    } else if (index !== undefined && field.kind === 'multi-enum') {
      const list = args[field.name]
      const value = Array.isArray(list) ? list[Number(index)] : undefined
      const option = findOption(field.options, value)
      prefix = option ? `“${option.label}”: ` : ''
    }
    errors.add(field.inputName, prefix + readableMessage(error), false, weak)
  }
}

function isWeakError(error: ErrorObject): boolean {
  if (error.keyword === 'anyOf' || error.keyword === 'oneOf' || error.keyword === 'if') return true
  return error.keyword === 'type' && error.params.type === 'null'
}

function decodePointer(pointer: string): string[] {
  if (pointer === '') return []
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  null: 'null',
}

const FORMAT_MESSAGES: Record<string, string> = {
  email: 'Must be a valid email address',
  uri: 'Must be a full URL, for example https://example.com',
  date: 'Must be a date like 2025-01-31',
  'date-time': 'Must be a date and time like 2025-01-31T09:00:00Z',
  time: 'Must be a time like 09:00:00Z',
  uuid: 'Must be a UUID',
  ipv4: 'Must be an IPv4 address',
  ipv6: 'Must be an IPv6 address',
  hostname: 'Must be a host name',
}

/** One plain sentence per ajv error, with the schema's numbers and values in it. */
function readableMessage(error: ErrorObject): string {
  const params: Record<string, unknown> = error.params
  const n = typeof params.limit === 'number' ? params.limit : undefined
  switch (error.keyword) {
    case 'type': {
      const types = (Array.isArray(params.type) ? params.type : String(params.type).split(',')).map(
        (type) => TYPE_NAMES[String(type)] ?? String(type),
      )
      return `Must be ${types.join(' or ')}`
    }
    case 'enum':
      return `Must be one of: ${describeValues(Array.isArray(params.allowedValues) ? params.allowedValues : [])}`
    case 'const':
      return `Must be exactly ${describeValues([params.allowedValue])}`
    case 'minLength':
      return `Must be at least ${plural(n ?? 0, 'character')}`
    case 'maxLength':
      return `Must be at most ${plural(n ?? 0, 'character')}`
    case 'minimum':
      return `Must be at least ${n}`
    case 'maximum':
      return `Must be at most ${n}`
    case 'exclusiveMinimum':
      return `Must be greater than ${n}`
    case 'exclusiveMaximum':
      return `Must be less than ${n}`
    case 'multipleOf':
      return `Must be a multiple of ${String(params.multipleOf)}`
    case 'minItems':
      return `Must have at least ${plural(n ?? 0, 'value')}`
    case 'maxItems':
      return `Must have at most ${plural(n ?? 0, 'value')}`
    case 'uniqueItems':
      return 'Must not repeat a value'
    case 'format':
      return FORMAT_MESSAGES[String(params.format)] ?? `Must be a valid ${ellipsize(String(params.format), 40)}`
    case 'required':
      return `Missing required property “${ellipsize(String(params.missingProperty), 60)}”`
    case 'additionalProperties':
      return `Unexpected property “${ellipsize(String(params.additionalProperty), 60)}”`
    case 'minProperties':
      return `Must have at least ${plural(n ?? 0, 'property', 'properties')}`
    case 'maxProperties':
      return `Must have at most ${plural(n ?? 0, 'property', 'properties')}`
    case 'anyOf':
    case 'oneOf':
      return 'Does not match any of the allowed shapes'
    case 'not':
      return 'Is not allowed'
    default:
      return capitalize(ellipsize(error.message ?? 'Is not valid', 200))
  }
}

/** Lists up to ten allowed values: strings as-is, anything else as JSON. */
export function describeValues(values: unknown[]): string {
  const shown = values.slice(0, 10).map((value) => ellipsize(typeof value === 'string' ? value : safeJson(value), 40))
  return values.length > 10 ? `${shown.join(', ')}, … (${formatCount(values.length)} in all)` : shown.join(', ')
}
