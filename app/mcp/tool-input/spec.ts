/*
 * Turns an MCP tool's `inputSchema` (JSON Schema, supplied by a remote server we do not trust)
 * into a plain, serialisable form description, and turns a posted form back into the tool's
 * `arguments`, checked against that schema.
 *
 * This module holds the limits and the types they share. NOTE: ajv compiles validators with
 * `new Function`, which our CSP forbids in the browser (no 'unsafe-eval'), so everything that
 * reaches ajv is `.server.ts`: call `describeToolForm` (mcp/tool-input/describe.server.ts) in a loader
 * and `parseToolArguments` (mcp/tool-input/parse.server.ts) in an action; the components only need
 * the types from here and the form values from mcp/tool-input/values.server.ts.
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
export const MAX_ENUM_VALUE_CHARS = 500
export const MAX_LABEL_CHARS = 120
export const MAX_DESCRIPTION_CHARS = 1_000
export const MAX_PROPERTY_NAME_CHARS = 200
export const MAX_PATTERN_CHARS = 200
export const MAX_DEFAULT_TEXT_CHARS = 10_000
export const MAX_SCHEMA_JSON_CHARS = 500_000
export const MAX_SCHEMA_DEPTH = 64
export const MAX_SCHEMA_NODES = 50_000
/** Arguments typed as JSON may nest this deep; JSON.stringify (sending them) overflows at a few thousand. */
export const MAX_ARGUMENT_DEPTH = 100
export const MAX_RAW_JSON_CHARS = 200_000
export const MAX_MESSAGES_PER_FIELD = 5
export const MAX_AJV_ERRORS_READ = 200
/** Schema nodes × argument nodes we are willing to validate (about a second, worst case). */
export const MAX_VALIDATION_WORK = 20_000_000
export const VALIDATOR_CACHE_SIZE = 50
/** A plain string up to this long gets a one-line input; longer or unbounded strings get a textarea. */
export const SINGLE_LINE_MAX_CHARS = 200

export type EnumValue = string | number | boolean | null
export type EnumOption = { value: string; label: string; json: EnumValue }

export type FieldBase = {
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
