import { ellipsize } from '#app/mcp/display-bounds.ts'
import { encodeList } from '#app/mcp/tool-input/values.server.ts'
import { capitalize, clipDefault, findOption, finiteNumber, formatCount, isEnumValue, isRecord, nonEmptyString, nonNegativeInteger, plural } from '#app/mcp/tool-input/helpers.server.ts'
import { isBrowserSafePattern } from '#app/mcp/tool-input/pattern.server.ts'
import { patternSentence } from '#app/mcp/tool-input/pattern-words.server.ts'
import {
  type EnumOption,
  type EnumValue,
  type FieldBase,
  type ListField,
  MAX_ENUM_OPTIONS,
  MAX_ENUM_VALUE_CHARS,
  MAX_LABEL_CHARS,
  MAX_PATTERN_CHARS,
  type NumberField,
  SINGLE_LINE_MAX_CHARS,
  type TextField,
  type ToolField,
} from '#app/mcp/tool-input/spec.ts'

export const COMBINATOR_KEYWORDS = ['$ref', '$dynamicRef', 'anyOf', 'oneOf', 'allOf', 'not', 'if', 'then', 'else'] as const

export function enumField(base: FieldBase, values: unknown[], schema: Record<string, unknown>): ToolField | null {
  const scalars = values.every(isEnumValue)
  if (!scalars) return null
  const allStrings = values.every((value) => typeof value === 'string')
  if (values.length === 0) return null
  if (values.length > MAX_ENUM_OPTIONS || values.some((value) => typeof value === 'string' && value.length > MAX_ENUM_VALUE_CHARS)) {
    // A select of thousands of options helps nobody: a text input, and the schema check says "one of".
    if (!allStrings || schema.type === 'number' || schema.type === 'integer') return null
    return {
      ...base,
      kind: 'text',
      control: 'input',
      inputType: 'text',
      hints: [`One of ${formatCount(values.length)} allowed values`],
      defaultValue: typeof schema.default === 'string' ? clipDefault(schema.default) : undefined,
    }
  }
  const options = enumOptions(values)
  const defaultOption = 'default' in schema ? findOption(options, schema.default) : undefined
  return { ...base, kind: 'enum', options, defaultValue: defaultOption?.value }
}

function enumOptions(values: EnumValue[]): EnumOption[] {
  // Plain strings post as themselves; anything else (or an empty string, which would look like
  // "Not set") posts as JSON so 1 and "1" stay apart.
  const asString = values.every((value) => typeof value === 'string' && value !== '')
  const seen = new Set<string>()
  const options: EnumOption[] = []
  for (const value of values) {
    const json = JSON.stringify(value)
    if (seen.has(json)) continue
    seen.add(json)
    options.push({
      value: asString && typeof value === 'string' ? value : json,
      label: ellipsize(typeof value === 'string' ? value : json, MAX_LABEL_CHARS),
      json: value,
    })
  }
  return options
}

// `example`: the words that, in a description, already say what the hint says.
const FORMAT_INPUTS: Record<string, { inputType: TextField['inputType']; hint: string; example: string }> = {
  email: { inputType: 'email', hint: 'An email address', example: 'email address' },
  uri: { inputType: 'url', hint: 'A full URL, for example https://example.com', example: 'https://' },
  date: { inputType: 'date', hint: 'A date, YYYY-MM-DD', example: 'YYYY-MM-DD' },
  // NOTE: not <input type="datetime-local">: it posts "2025-01-31T09:00" with no seconds or time
  // zone, which the date-time format (RFC 3339) rejects.
  'date-time': { inputType: 'text', hint: 'A date and time with time zone, for example 2025-01-31T09:00:00Z', example: 'T09:00:00Z' },
  time: { inputType: 'text', hint: 'A time with time zone, for example 09:00:00Z', example: '09:00:00Z' },
}

/** Whether a description already states the length limits ("3 to 80 characters"). */
function saysLength(description: string | undefined, minLength: number | undefined, maxLength: number | undefined): boolean {
  if (!description || !/\bchar(?:acter)?s?\b/i.test(description)) return false
  const numbers = new Set(description.match(/\d[\d,]*/g)?.map((text) => Number(text.replaceAll(',', ''))) ?? [])
  const limits = [minLength !== undefined && minLength > 0 ? minLength : undefined, maxLength].filter((n) => n !== undefined)
  return limits.length > 0 && limits.every((limit) => numbers.has(limit))
}

export function textField(base: FieldBase, schema: Record<string, unknown>): TextField {
  const minLength = nonNegativeInteger(schema.minLength)
  const maxLength = nonNegativeInteger(schema.maxLength)
  const format = nonEmptyString(schema.format)
  const pattern = typeof schema.pattern === 'string' ? schema.pattern : undefined
  const known = format ? FORMAT_INPUTS[format] : undefined
  const hints: string[] = []
  if (known && !base.description?.includes(known.example)) hints.push(known.hint)
  else if (!known && format) hints.push(`Format: ${ellipsize(format, 40)}`)
  // One length hint: none when the description already gives the limits in words.
  if (!saysLength(base.description, minLength, maxLength)) {
    if (minLength !== undefined && maxLength !== undefined) hints.push(`${minLength} to ${formatCount(maxLength)} characters`)
    else if (minLength !== undefined && minLength > 0) hints.push(`At least ${plural(minLength, 'character')}`)
    else if (maxLength !== undefined) hints.push(`At most ${plural(maxLength, 'character')}`)
  }
  // A pattern in words, or nothing: never the raw expression (a known format already says it).
  const patternHint = pattern !== undefined && !known ? patternSentence(pattern) : null
  if (patternHint) hints.push(patternHint)
  const defaultValue = typeof schema.default === 'string' ? clipDefault(schema.default) : undefined
  const singleLine =
    format !== undefined ||
    pattern !== undefined ||
    (maxLength !== undefined && maxLength <= SINGLE_LINE_MAX_CHARS && !defaultValue?.includes('\n'))
  return {
    ...base,
    kind: 'text',
    hints,
    control: singleLine ? 'input' : 'textarea',
    inputType: known?.inputType ?? 'text',
    minLength,
    maxLength,
    format,
    pattern: pattern === undefined ? undefined : ellipsize(pattern, MAX_PATTERN_CHARS),
    htmlPattern: pattern !== undefined && isBrowserSafePattern(pattern) ? pattern : undefined,
    defaultValue,
  }
}

export function numberField(base: FieldBase, schema: Record<string, unknown>, integer: boolean): NumberField {
  const minimum = finiteNumber(schema.minimum)
  const maximum = finiteNumber(schema.maximum)
  const exclusiveMinimum = finiteNumber(schema.exclusiveMinimum)
  const exclusiveMaximum = finiteNumber(schema.exclusiveMaximum)
  const multipleOf = finiteNumber(schema.multipleOf)
  const defaultNumber = finiteNumber(schema.default)

  // <input min max> are inclusive, so exclusive bounds become attributes only for integers.
  let min = minimum
  let max = maximum
  if (integer) {
    if (min !== undefined) min = Math.ceil(min)
    if (max !== undefined) max = Math.floor(max)
    if (exclusiveMinimum !== undefined) min = Math.max(min ?? -Infinity, Math.floor(exclusiveMinimum) + 1)
    if (exclusiveMaximum !== undefined) max = Math.min(max ?? Infinity, Math.ceil(exclusiveMaximum) - 1)
  }

  // NOTE: the browser counts steps from `min` (else from the value), so multipleOf can be the
  // step only when that base is itself a multiple; otherwise the browser would reject valid numbers.
  const isMultiple = (value: number | undefined, of: number) => value === undefined || Number.isInteger(value / of)
  let step = integer ? '1' : 'any'
  if (multipleOf !== undefined && multipleOf > 0 && isMultiple(min, multipleOf) && isMultiple(defaultNumber, multipleOf)) {
    if (!integer || Number.isInteger(multipleOf)) step = String(multipleOf)
  }

  const hints: string[] = []
  if (integer) hints.push('A whole number')
  const lower = exclusiveMinimum !== undefined ? `greater than ${exclusiveMinimum}` : minimum !== undefined ? `at least ${minimum}` : undefined
  const upper = exclusiveMaximum !== undefined ? `less than ${exclusiveMaximum}` : maximum !== undefined ? `at most ${maximum}` : undefined
  if (lower && upper) hints.push(capitalize(`${lower} and ${upper}`))
  else if (lower ?? upper) hints.push(capitalize(lower ?? upper ?? ''))
  if (multipleOf !== undefined) hints.push(`A multiple of ${multipleOf}`)

  return {
    ...base,
    kind: 'number',
    hints,
    integer,
    min: min !== undefined && Number.isFinite(min) ? min : undefined,
    max: max !== undefined && Number.isFinite(max) ? max : undefined,
    step,
    defaultValue: defaultNumber === undefined || (integer && !Number.isInteger(defaultNumber)) ? undefined : String(defaultNumber),
  }
}

const MAX_CHECKBOX_OPTIONS = 12
const SCALAR_ITEM_TYPES = ['string', 'number', 'integer', 'boolean'] as const

export function arrayField(base: FieldBase, schema: Record<string, unknown>): ToolField | null {
  if ('prefixItems' in schema || 'contains' in schema || 'unevaluatedItems' in schema) return null
  const items = schema.items
  if (!isRecord(items) || COMBINATOR_KEYWORDS.some((keyword) => keyword in items)) return null
  const minItems = nonNegativeInteger(schema.minItems)
  const maxItems = nonNegativeInteger(schema.maxItems)
  const countHints: string[] = []
  if (minItems !== undefined && minItems > 0) countHints.push(`At least ${plural(minItems, 'value')}`)
  if (maxItems !== undefined) countHints.push(`At most ${plural(maxItems, 'value')}`)
  if (schema.uniqueItems === true) countHints.push('No repeated values')

  const itemEnum = Array.isArray(items.enum) ? items.enum : 'const' in items ? [items.const] : undefined
  if (itemEnum) {
    if (itemEnum.length === 0 || itemEnum.length > MAX_ENUM_OPTIONS || !itemEnum.every(isEnumValue)) return null
    if (itemEnum.some((value) => typeof value === 'string' && value.length > MAX_ENUM_VALUE_CHARS)) return null
    const options = enumOptions(itemEnum)
    const defaults = Array.isArray(schema.default) ? schema.default.map((value) => findOption(options, value)) : undefined
    const control = options.length <= MAX_CHECKBOX_OPTIONS ? 'checkboxes' : 'select'
    return {
      ...base,
      kind: 'multi-enum',
      control,
      hints: [...(control === 'select' ? ['Hold Ctrl (⌘ on a Mac) to pick several'] : []), ...countHints],
      options,
      minItems,
      maxItems,
      defaultValue: defaults?.every(Boolean) ? defaults.map((option) => option?.value ?? '') : undefined,
    }
  }

  const itemType = SCALAR_ITEM_TYPES.find((type) => type === items.type)
  if (!itemType) return null
  const field: ListField = {
    ...base,
    kind: 'list',
    itemType,
    hints: [listLineHint(itemType), ...countHints],
    minItems,
    maxItems,
  }
  field.defaultValue = encodeList(field, schema.default)
  return field
}

function listLineHint(itemType: ListField['itemType']): string {
  if (itemType === 'boolean') return 'One value per line: true or false'
  if (itemType === 'integer') return 'One whole number per line'
  if (itemType === 'number') return 'One number per line'
  return 'One value per line'
}
