import Ajv07, { type ErrorObject, type ValidateFunction } from 'ajv'
import Ajv2019 from 'ajv/dist/2019.js'
import Ajv2020 from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'

/*
 * Turns an MCP tool's `inputSchema` (JSON Schema, supplied by a remote server we do not trust)
 * into a plain, serialisable form description, and turns a posted form back into the tool's
 * `arguments`, checked against that schema.
 *
 * Works on the client and the server, but NOTE: ajv compiles validators with `new Function`,
 * which our CSP forbids in the browser (no 'unsafe-eval'). Call `describeToolForm` in a loader and
 * `parseToolArguments` in an action; the components only need the types.
 *
 * Limits below follow https://ajv.js.org/security.html ("Untrusted schemas"): cap the schema's
 * size and depth, and never run the server's regular expressions on our server.
 */

/** Name of the one textarea that holds, as a JSON object, every argument without a field of its own. */
export const RAW_JSON_FIELD_NAME = 'arguments-json'
/** Every generated field name starts with this, so none can collide with the route's own fields (`intent`…). */
export const FIELD_NAME_PREFIX = 'arg.'
export const RAW_JSON_FIELD_ID = 'tool-field-json'

export const MAX_FIELDS = 100
export const MAX_ENUM_OPTIONS = 500
const MAX_ENUM_VALUE_CHARS = 500
const MAX_LABEL_CHARS = 120
const MAX_DESCRIPTION_CHARS = 1_000
const MAX_PROPERTY_NAME_CHARS = 200
const MAX_PATTERN_CHARS = 200
const MAX_DEFAULT_TEXT_CHARS = 10_000
const MAX_SCHEMA_JSON_CHARS = 500_000
const MAX_SCHEMA_DEPTH = 64
const MAX_SCHEMA_NODES = 50_000
/** Arguments typed as JSON may nest this deep; JSON.stringify (sending them) overflows at a few thousand. */
const MAX_ARGUMENT_DEPTH = 100
export const MAX_RAW_JSON_CHARS = 200_000
const MAX_MESSAGES_PER_FIELD = 5
const MAX_AJV_ERRORS_READ = 200
/** Schema nodes × argument nodes we are willing to validate (about a second, worst case). */
const MAX_VALIDATION_WORK = 20_000_000
const VALIDATOR_CACHE_SIZE = 50
/** A plain string up to this long gets a one-line input; longer or unbounded strings get a textarea. */
const SINGLE_LINE_MAX_CHARS = 200

export type EnumValue = string | number | boolean | null
export type EnumOption = { value: string; label: string; json: EnumValue }

type FieldBase = {
  /** The argument's property name, exactly as in the schema. */
  name: string
  /** The form control's `name`: `arg.` + encodeURIComponent(name). */
  inputName: string
  /** The DOM id; index-based so any property name yields a valid id and `#fragment`. */
  id: string
  label: string
  description?: string
  /** Short constraint sentences shown under the description ("At most 80 characters"). */
  hints: string[]
  /** The schema lists the property in `required`. */
  required: boolean
  /** `type: [T, "null"]` or `anyOf: [T, {type: "null"}]`: an empty required field sends `null`. */
  nullable: boolean
}

export type TextField = FieldBase & {
  kind: 'text'
  control: 'input' | 'textarea'
  /** Only formats whose browser check never rejects a value the schema accepts get their own type. */
  inputType: 'text' | 'email' | 'url' | 'date'
  minLength?: number
  maxLength?: number
  format?: string
  /** The schema's pattern, for display. */
  pattern?: string
  /** Set only when the pattern is anchored and simple enough to hand to the browser safely. */
  htmlPattern?: string
  defaultValue?: string
}

export type NumberField = FieldBase & {
  kind: 'number'
  integer: boolean
  min?: number
  max?: number
  /** The `step` attribute: "any", "1" or the schema's multipleOf when the browser's step base agrees. */
  step: string
  defaultValue?: string
}

/**
 * Booleans: a checkbox when the argument is required or has a boolean default (unchecked sends
 * `false`); otherwise a select "Not set / true / false" so that leaving it alone omits the argument.
 */
export type BooleanField = FieldBase & {
  kind: 'boolean'
  control: 'checkbox' | 'tri-state'
  /** 'true' checks the checkbox; for the tri-state select, the selected option. */
  defaultValue?: 'true' | 'false'
}

export type EnumField = FieldBase & { kind: 'enum'; options: EnumOption[]; defaultValue?: string }

/** An array of scalars: a textarea with one value per line (values trimmed, empty lines dropped). */
export type ListField = FieldBase & {
  kind: 'list'
  itemType: 'string' | 'number' | 'integer' | 'boolean'
  minItems?: number
  maxItems?: number
  defaultValue?: string
}

/** An array of enum values: checkboxes for a few options, a native multi-select for many. */
export type MultiEnumField = FieldBase & {
  kind: 'multi-enum'
  control: 'checkboxes' | 'select'
  options: EnumOption[]
  minItems?: number
  maxItems?: number
  defaultValue?: string[]
}

export type ToolField = TextField | NumberField | BooleanField | EnumField | ListField | MultiEnumField

export type ToolFormSpec = {
  fields: ToolField[]
  rawJson: {
    /** Whether the form needs the raw JSON textarea at all. */
    needed: boolean
    /** Arguments that have no field of their own and go in the JSON object. */
    properties: string[]
    /** Those of `properties` the schema requires. */
    required: string[]
    inputName: typeof RAW_JSON_FIELD_NAME
    id: typeof RAW_JSON_FIELD_ID
    /** Pretty-printed JSON object of those arguments' defaults, when they have any. */
    defaultValue?: string
  }
  /**
   * Set when Switchboard cannot use the schema (not an object schema, too large or deep, or ajv
   * cannot compile it). The form is then the raw JSON textarea alone, and arguments go to the
   * server unchecked: the server remains the authority on its own input.
   */
  schemaError?: string
}

export type FormValues = Record<string, string | string[]>
export type ToolFormErrors = { fieldErrors: Record<string, string[]>; formErrors: string[] }
export type ParseToolArgumentsResult =
  | { ok: true; arguments: Record<string, unknown> }
  | ({ ok: false } & ToolFormErrors)

// ---------------------------------------------------------------------------------------------
// describeToolForm

/** Describes the form for a tool's `inputSchema`. Never throws: unusable schemas give a raw-JSON-only form. */
export function describeToolForm(inputSchema: unknown): ToolFormSpec {
  try {
    return describe(inputSchema)
  } catch {
    return rawOnlySpec(inputSchema, 'Switchboard could not read this tool’s input schema.')
  }
}

function describe(inputSchema: unknown): ToolFormSpec {
  const compiled = getValidator(inputSchema)
  if (!compiled.ok) return rawOnlySpec(inputSchema, compiled.message)
  if (!isRecord(inputSchema)) return rawOnlySpec(inputSchema, 'The tool’s input schema is not an object schema.')

  const required = new Set(stringArray(inputSchema.required))
  const properties = isRecord(inputSchema.properties) ? Object.entries(inputSchema.properties) : []
  const fields: ToolField[] = []
  const raw: Array<[string, unknown]> = []
  for (const [name, propertySchema] of properties) {
    const field = fields.length < MAX_FIELDS ? classify(name, propertySchema, required.has(name), fields.length) : null
    if (field) fields.push(field)
    else raw.push([name, propertySchema])
  }
  const additional = inputSchema.additionalProperties
  const propertyNames = new Set(properties.map(([name]) => name))
  // Arguments the fields cannot carry: extra properties the schema invites, required names it
  // never describes, or a root $ref/allOf/anyOf… that may add any of those.
  const acceptsOthers =
    additional === true ||
    isRecord(additional) ||
    isRecord(inputSchema.patternProperties) ||
    isRecord(inputSchema.unevaluatedProperties) ||
    [...required].some((name) => !propertyNames.has(name)) ||
    [...COMBINATOR_KEYWORDS, 'dependentSchemas', 'dependencies'].some((keyword) => keyword in inputSchema)
  return {
    fields,
    rawJson: {
      needed: raw.length > 0 || acceptsOthers,
      properties: raw.map(([name]) => name),
      required: raw.map(([name]) => name).filter((name) => required.has(name)),
      inputName: RAW_JSON_FIELD_NAME,
      id: RAW_JSON_FIELD_ID,
      defaultValue: rawDefaults(raw),
    },
  }
}

function rawOnlySpec(inputSchema: unknown, schemaError: string): ToolFormSpec {
  let names: string[] = []
  let required: string[] = []
  try {
    if (isRecord(inputSchema) && isRecord(inputSchema.properties)) {
      names = Object.keys(inputSchema.properties).slice(0, 1_000)
      const requiredSet = new Set(stringArray(inputSchema.required))
      required = names.filter((name) => requiredSet.has(name))
    }
  } catch {
    // Fails open to "no names": the list only helps the user write the JSON.
  }
  return {
    fields: [],
    rawJson: { needed: true, properties: names, required, inputName: RAW_JSON_FIELD_NAME, id: RAW_JSON_FIELD_ID },
    schemaError,
  }
}

function rawDefaults(raw: Array<[string, unknown]>): string | undefined {
  const defaults = new Map<string, unknown>()
  for (const [name, schema] of raw) {
    if (isRecord(schema) && 'default' in schema) defaults.set(name, schema.default)
  }
  if (defaults.size === 0) return undefined
  try {
    const text = JSON.stringify(Object.fromEntries(defaults), null, 2)
    return text.length <= MAX_DEFAULT_TEXT_CHARS ? text : undefined
  } catch {
    return undefined
  }
}

const COMBINATOR_KEYWORDS = ['$ref', '$dynamicRef', 'anyOf', 'oneOf', 'allOf', 'not', 'if', 'then', 'else'] as const

function classify(name: string, propertySchema: unknown, required: boolean, index: number): ToolField | null {
  if (name.length === 0 || name.length > MAX_PROPERTY_NAME_CHARS) return null
  let inputName: string
  try {
    inputName = FIELD_NAME_PREFIX + encodeURIComponent(name)
  } catch {
    return null // lone surrogates: encodeURIComponent throws URIError
  }
  const unwrapped = unwrapNullable(propertySchema)
  if (!unwrapped) return null
  const { schema, nullable } = unwrapped
  if (COMBINATOR_KEYWORDS.some((keyword) => keyword in schema)) return null

  const base: FieldBase = {
    name,
    inputName,
    id: `tool-field-${index}`,
    label: clip(nonEmptyString(schema.title) ?? name, MAX_LABEL_CHARS),
    description: optionalClip(nonEmptyString(schema.description), MAX_DESCRIPTION_CHARS),
    hints: [],
    required,
    nullable,
  }
  const type = schema.type

  const enumValues = Array.isArray(schema.enum) ? schema.enum : 'const' in schema ? [schema.const] : undefined
  if (enumValues && type !== 'array') return enumField(base, enumValues, schema)

  if (type === 'string') return textField(base, schema)
  if (type === 'number' || type === 'integer') return numberField(base, schema, type === 'integer')
  if (type === 'boolean') {
    const defaultValue = typeof schema.default === 'boolean' ? schema.default : undefined
    const control = (required && !nullable) || defaultValue !== undefined ? 'checkbox' : 'tri-state'
    return {
      ...base,
      kind: 'boolean',
      control,
      defaultValue: defaultValue === undefined ? undefined : defaultValue ? 'true' : 'false',
    }
  }
  if (type === 'array') return arrayField(base, schema)
  return null
}

/** Sees through the two common spellings of "T or null" (pydantic's Optional[T] is the anyOf one). */
function unwrapNullable(propertySchema: unknown): { schema: Record<string, unknown>; nullable: boolean } | null {
  if (!isRecord(propertySchema)) return null
  const { type } = propertySchema
  if (Array.isArray(type)) {
    const others = type.filter((t) => t !== 'null')
    if (type.length === 2 && others.length === 1 && typeof others[0] === 'string') {
      return { schema: { ...propertySchema, type: others[0] }, nullable: true }
    }
    return null
  }
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const branches = propertySchema[keyword]
    if (!Array.isArray(branches) || branches.length !== 2) continue
    const nullIndex = branches.findIndex((branch) => isRecord(branch) && branch.type === 'null' && Object.keys(branch).length === 1)
    const other = branches[1 - nullIndex]
    if (nullIndex === -1 || !isRecord(other) || keyword in other) return null
    const { [keyword]: _dropped, ...outer } = propertySchema
    // The outer annotations (title, description, default) win over the branch's.
    return { schema: { ...other, ...outer }, nullable: true }
  }
  return { schema: propertySchema, nullable: false }
}

function enumField(base: FieldBase, values: unknown[], schema: Record<string, unknown>): ToolField | null {
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
      label: clip(typeof value === 'string' ? value : json, MAX_LABEL_CHARS),
      json: value,
    })
  }
  return options
}

function findOption(options: EnumOption[], value: unknown): EnumOption | undefined {
  if (!isEnumValue(value)) return undefined
  const json = JSON.stringify(value)
  return options.find((option) => JSON.stringify(option.json) === json)
}

const FORMAT_INPUTS: Record<string, { inputType: TextField['inputType']; hint: string }> = {
  email: { inputType: 'email', hint: 'An email address' },
  uri: { inputType: 'url', hint: 'A full URL, for example https://example.com' },
  date: { inputType: 'date', hint: 'A date, YYYY-MM-DD' },
  // NOTE: not <input type="datetime-local">: it posts "2025-01-31T09:00" with no seconds or time
  // zone, which the date-time format (RFC 3339) rejects.
  'date-time': { inputType: 'text', hint: 'A date and time with time zone, for example 2025-01-31T09:00:00Z' },
  time: { inputType: 'text', hint: 'A time with time zone, for example 09:00:00Z' },
}

function textField(base: FieldBase, schema: Record<string, unknown>): TextField {
  const minLength = nonNegativeInteger(schema.minLength)
  const maxLength = nonNegativeInteger(schema.maxLength)
  const format = nonEmptyString(schema.format)
  const pattern = typeof schema.pattern === 'string' ? schema.pattern : undefined
  const known = format ? FORMAT_INPUTS[format] : undefined
  const hints: string[] = []
  if (known) hints.push(known.hint)
  else if (format) hints.push(`Format: ${clip(format, 40)}`)
  if (minLength !== undefined && maxLength !== undefined) hints.push(`${minLength} to ${formatCount(maxLength)} characters`)
  else if (minLength !== undefined && minLength > 0) hints.push(`At least ${plural(minLength, 'character')}`)
  else if (maxLength !== undefined) hints.push(`At most ${plural(maxLength, 'character')}`)
  if (pattern !== undefined) hints.push(`Must match the pattern ${clip(pattern, MAX_PATTERN_CHARS)}`)
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
    pattern: pattern === undefined ? undefined : clip(pattern, MAX_PATTERN_CHARS),
    htmlPattern: pattern !== undefined && isBrowserSafePattern(pattern) ? pattern : undefined,
    defaultValue,
  }
}

function numberField(base: FieldBase, schema: Record<string, unknown>, integer: boolean): NumberField {
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

function arrayField(base: FieldBase, schema: Record<string, unknown>): ToolField | null {
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

// ---------------------------------------------------------------------------------------------
// parseToolArguments

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
          errors.add(RAW_JSON_FIELD_NAME, `“${clip(key, 60)}” has its own field in this form; remove it from the JSON`, true)
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
    const detail = error instanceof SyntaxError ? `: ${clip(error.message, 120)}` : ''
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

// ---------------------------------------------------------------------------------------------
// ajv: schema checks, compile cache, error messages

type Compiled = { ok: true; validate: ValidateFunction; schemaNodes: number } | { ok: false; message: string }
const validatorCache = new Map<string, Compiled>()

function invalidSchema(detail: string): Compiled {
  return {
    ok: false,
    message: `The server published an invalid input schema for this tool (${clip(detail, 300)}). ${RAW_ONLY_SENTENCE}`,
  }
}

/**
 * Why Switchboard cannot use a tool's input schema at all (nested too deeply or too large), as a
 * sentence for the Tools page and the tool form, or null. Cheap: one bounded walk, no compiling.
 */
export function inputSchemaBoundsProblem(inputSchema: unknown): string | null {
  const counted = countNodes(inputSchema, MAX_SCHEMA_NODES, MAX_SCHEMA_DEPTH)
  const reason =
    counted === 'too-deep'
      ? `nested too deeply to display (more than ${MAX_SCHEMA_DEPTH} levels)`
      : counted === 'too-many'
        ? 'too large to display'
        : null
  return reason ? `This tool’s input schema is ${reason}.` : null
}

const RAW_ONLY_SENTENCE = 'Switchboard cannot build a form or check the arguments: enter them as JSON, and the server will check them.'

/** Compiles the schema once per distinct JSON (small LRU). Never throws. */
function getValidator(inputSchema: unknown): Compiled {
  if (!isRecord(inputSchema)) return invalidSchema('it is not a JSON object')
  if (inputSchema.type !== undefined && inputSchema.type !== 'object') return invalidSchema('its type is not "object"')
  // Before anything below walks the schema recursively (JSON.stringify, ajv): a schema nested
  // thousands deep would overflow the stack there.
  const bounds = inputSchemaBoundsProblem(inputSchema)
  if (bounds) return { ok: false, message: `${bounds} ${RAW_ONLY_SENTENCE}` }
  const dialect = dialectOf(inputSchema.$schema)
  let key: string
  try {
    key = `${dialect}:${JSON.stringify(inputSchema)}`
  } catch {
    return invalidSchema('it cannot be serialised')
  }
  if (key.length > MAX_SCHEMA_JSON_CHARS) return invalidSchema('it is too large')
  const cached = validatorCache.get(key)
  if (cached) {
    validatorCache.delete(key)
    validatorCache.set(key, cached)
    return cached
  }
  const compiled = compile(inputSchema, dialect)
  validatorCache.set(key, compiled)
  if (validatorCache.size > VALIDATOR_CACHE_SIZE) {
    const oldest = validatorCache.keys().next()
    if (!oldest.done) validatorCache.delete(oldest.value)
  }
  return compiled
}

type Dialect = '2020' | '2019' | '07'
function dialectOf($schema: unknown): Dialect {
  if (typeof $schema !== 'string') return '2020' // MCP's default dialect is 2020-12.
  if (/draft-0[4-7]/.test($schema)) return '07'
  if ($schema.includes('2019-09')) return '2019'
  return '2020'
}

const AJV_CLASSES = { '07': Ajv07, '2019': Ajv2019, '2020': Ajv2020 } as const
const metaCheckers = new Map<Dialect, Ajv07>()

/** One long-lived instance per dialect only checks schemas against the meta-schema, which is slow to compile. */
function metaChecker(dialect: Dialect): Ajv07 {
  let checker = metaCheckers.get(dialect)
  if (!checker) {
    checker = new AJV_CLASSES[dialect]({ strict: false, logger: false })
    metaCheckers.set(dialect, checker)
  }
  return checker
}

function compile(inputSchema: Record<string, unknown>, dialect: Dialect): Compiled {
  try {
    const { $schema: _ignored, ...schema } = sanitizeObject(inputSchema, 0)
    const checker = metaChecker(dialect)
    if (checker.validateSchema(schema) !== true) return invalidSchema(checker.errorsText(checker.errors, { dataVar: 'schema' }))
    // A fresh instance per schema: compiled schemas and their $ids stay out of a shared registry,
    // so eviction from our cache frees them and two servers' equal $ids cannot clash.
    const ajv = new AJV_CLASSES[dialect]({
      strict: false,
      allErrors: true,
      logger: false,
      ownProperties: true,
      validateSchema: false,
      // Loops instead of unrolled code for long `required`/`enum` lists from hostile schemas.
      loopRequired: 20,
      loopEnum: 20,
    })
    addFormats(ajv)
    const schemaNodes = countNodes(schema, MAX_SCHEMA_NODES, MAX_SCHEMA_DEPTH)
    return { ok: true, validate: ajv.compile(schema), schemaNodes: typeof schemaNodes === 'number' ? schemaNodes : MAX_SCHEMA_NODES }
  } catch (error) {
    return invalidSchema(error instanceof Error ? error.message : 'it does not compile')
  }
}

/** Counts the values in a JSON tree, giving up past `maxNodes` or `maxDepth`. */
function countNodes(root: unknown, maxNodes: number, maxDepth: number): number | 'too-many' | 'too-deep' {
  let nodes = 1
  const stack: Array<[unknown, number]> = [[root, 0]]
  while (stack.length > 0) {
    const next = stack.pop()
    if (!next) break
    const [value, depth] = next
    if (value === null || typeof value !== 'object') continue
    if (depth > maxDepth) return 'too-deep'
    const children = Array.isArray(value) ? value : Object.values(value)
    nodes += children.length
    if (nodes > maxNodes) return 'too-many'
    for (const child of children) stack.push([child, depth + 1])
  }
  return nodes
}

const SCHEMA_MAP_KEYWORDS = new Set(['properties', '$defs', 'definitions', 'dependentSchemas'])
const SCHEMA_KEYWORDS = new Set([
  'items', 'additionalItems', 'additionalProperties', 'unevaluatedProperties', 'unevaluatedItems', 'contains',
  'propertyNames', 'not', 'if', 'then', 'else', 'prefixItems', 'allOf', 'anyOf', 'oneOf', 'dependencies',
])

/**
 * A copy of the schema without the checks that can block our event loop: `pattern` and
 * `patternProperties` (the server's regular expressions; ^(a+)+$ stalls on a short input, ReDoS)
 * and `uniqueItems` over non-scalar items (quadratic). Dropping a check only ever accepts more;
 * the server still validates its own input. Where patternProperties goes, `additionalProperties`
 * goes too, or keys it matched would be rejected.
 */
function sanitizeSchema(schema: unknown, depth: number): unknown {
  return isRecord(schema) && depth <= MAX_SCHEMA_DEPTH ? sanitizeObject(schema, depth) : schema
}

function sanitizeObject(schema: Record<string, unknown>, depth: number): Record<string, unknown> {
  const mapSchemas = (value: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, sanitizeSchema(sub, depth + 1)]))
  // Built from entries: a keyword spelled "__proto__" stays a plain property.
  const entries: Array<[string, unknown]> = []
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === 'pattern' || keyword === 'patternProperties') continue
    if (keyword === 'additionalProperties' && 'patternProperties' in schema) continue
    // ajv checks uniqueItems in linear time only for scalar item types; otherwise it compares
    // every pair (a 25,000-item array: ten seconds). The server can check that one itself.
    if (keyword === 'uniqueItems' && !hasScalarItems(schema)) continue
    if (SCHEMA_MAP_KEYWORDS.has(keyword) && isRecord(value)) entries.push([keyword, mapSchemas(value)])
    else if (SCHEMA_KEYWORDS.has(keyword)) {
      if (Array.isArray(value)) entries.push([keyword, value.map((sub) => sanitizeSchema(sub, depth + 1))])
      else if (keyword === 'dependencies' && isRecord(value)) entries.push([keyword, mapSchemas(value)])
      else entries.push([keyword, sanitizeSchema(value, depth + 1)])
    } else entries.push([keyword, value])
  }
  return Object.fromEntries(entries)
}

const SCALAR_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null'])
function hasScalarItems(schema: Record<string, unknown>): boolean {
  const types = isRecord(schema.items) ? schema.items.type : undefined
  const list = Array.isArray(types) ? types : [types]
  return list.length > 0 && list.every((type) => typeof type === 'string' && SCALAR_TYPES.has(type))
}

class ErrorCollector {
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

function mapAjvErrors(
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
        const message = error.keyword === 'required' ? 'Required' : `Required when “${clip(String(error.params.property), 60)}” is set`
        if (field) errors.add(field.inputName, message, false, weak)
        else errors.add(RAW_JSON_FIELD_NAME, `“${clip(name, 60)}”: ${message}`, false, weak)
      } else if (error.keyword === 'additionalProperties' || error.keyword === 'unevaluatedProperties') {
        const name = String(error.params.additionalProperty ?? error.params.unevaluatedProperty ?? '')
        errors.add(RAW_JSON_FIELD_NAME, `“${clip(name, 60)}” is not an argument this tool accepts`, false, weak)
      } else errors.addForm(readableMessage(error))
      continue
    }
    const field = fieldsByName.get(first)
    if (!field) {
      const where = [first, ...rest].map((segment) => clip(segment, 60)).join('/')
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
      return FORMAT_MESSAGES[String(params.format)] ?? `Must be a valid ${clip(String(params.format), 40)}`
    case 'required':
      return `Missing required property “${clip(String(params.missingProperty), 60)}”`
    case 'additionalProperties':
      return `Unexpected property “${clip(String(params.additionalProperty), 60)}”`
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
      return capitalize(clip(error.message ?? 'Is not valid', 200))
  }
}

/** Lists up to ten allowed values: strings as-is, anything else as JSON. */
function describeValues(values: unknown[]): string {
  const shown = values.slice(0, 10).map((value) => clip(typeof value === 'string' ? value : safeJson(value), 40))
  return values.length > 10 ? `${shown.join(', ')}, … (${formatCount(values.length)} in all)` : shown.join(', ')
}

// ---------------------------------------------------------------------------------------------
// Form values

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

function encodeList(field: ListField, value: unknown): string | undefined {
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

// ---------------------------------------------------------------------------------------------
// Small helpers

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isEnumValue(value: unknown): value is EnumValue {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
}

function finiteNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

function nonNegativeInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text
  let end = max - 1
  // Do not split a surrogate pair.
  const code = text.charCodeAt(end - 1)
  if (code >= 0xd800 && code <= 0xdbff) end -= 1
  return `${text.slice(0, end)}…`
}

function optionalClip(text: string | undefined, max: number): string | undefined {
  return text === undefined ? undefined : clip(text, max)
}

function clipDefault(text: string): string | undefined {
  return text.length <= MAX_DEFAULT_TEXT_CHARS ? text : undefined
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

function formatCount(value: number): string {
  return new Intl.NumberFormat('en-US').format(value)
}

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatCount(count)} ${count === 1 ? singular : pluralForm}`
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/**
 * Whether a pattern can go in the `pattern` attribute: the browser anchors it and compiles it
 * with the `v` flag, and runs it on every keystroke, so only short, anchored patterns with no
 * nested quantifiers or backreferences (the usual catastrophic-backtracking shapes) qualify.
 */
function isBrowserSafePattern(pattern: string): boolean {
  if (pattern.length > MAX_PATTERN_CHARS || !pattern.startsWith('^') || !/(?:^|[^\\])(?:\\\\)*\$$/.test(pattern)) return false
  if (/\\[1-9]|\\k</.test(pattern)) return false
  if (hasNestedQuantifier(pattern)) return false
  try {
    new RegExp(pattern, 'v')
    return true
  } catch {
    return false
  }
}

function hasNestedQuantifier(pattern: string): boolean {
  // Each open group records whether its body repeats or alternates; repeating such a group is the danger.
  const groups: boolean[] = []
  let inClass = false
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]
    if (char === '\\') {
      i++
      continue
    }
    if (inClass) {
      if (char === ']') inClass = false
      continue
    }
    if (char === '[') inClass = true
    else if (char === '(') {
      groups.push(false)
      // Skip the group's own syntax, (?: (?= (?! (?<= (?<! (?<name>, so its "?" is not read as a quantifier.
      if (pattern[i + 1] === '?') {
        const prefix = /^\(\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>)/.exec(pattern.slice(i))
        if (!prefix) return true // Unknown group syntax: not worth the risk.
        i += prefix[0].length - 1
      }
    }
    else if (char === '|' || char === '*' || char === '+' || char === '?' || char === '{') {
      if (groups.length > 0) groups[groups.length - 1] = true
    } else if (char === ')') {
      const risky = groups.pop() ?? false
      const next = pattern[i + 1]
      const repeated = next === '*' || next === '+' || next === '{'
      if (risky && repeated) return true
      if ((risky || repeated) && groups.length > 0) groups[groups.length - 1] = true
    }
  }
  return false
}
