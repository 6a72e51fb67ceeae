import { ellipsize } from '#app/mcp/display-bounds.ts'
import { COMBINATOR_KEYWORDS, arrayField, enumField, numberField, textField } from '#app/mcp/tool-input/fields.server.ts'
import { isRecord, nonEmptyString, optionalClip, stringArray } from '#app/mcp/tool-input/helpers.server.ts'
import {
  type FieldBase,
  FIELD_NAME_PREFIX,
  MAX_DEFAULT_TEXT_CHARS,
  MAX_DESCRIPTION_CHARS,
  MAX_FIELDS,
  MAX_LABEL_CHARS,
  MAX_PROPERTY_NAME_CHARS,
  RAW_JSON_FIELD_ID,
  RAW_JSON_FIELD_NAME,
  type ToolField,
  type ToolFormSpec,
} from '#app/mcp/tool-input/spec.ts'
import { getValidator } from '#app/mcp/tool-input/validator.server.ts'


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
    label: ellipsize(nonEmptyString(schema.title) ?? name, MAX_LABEL_CHARS),
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
