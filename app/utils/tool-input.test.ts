import { expect, test } from 'vitest'
import {
  FIELD_NAME_PREFIX,
  MAX_FIELDS,
  RAW_JSON_FIELD_NAME,
  type ToolField,
  describeToolForm,
  formValuesFromArguments,
  formValuesFromSubmission,
  parseToolArguments,
} from '#app/utils/tool-input.ts'

function form(entries: Array<[string, string]>) {
  return new URLSearchParams(entries)
}

function fieldOf(schema: Record<string, unknown>, name: string): ToolField {
  const field = describeToolForm({ type: 'object', ...schema }).fields.find((candidate) => candidate.name === name)
  if (!field) throw new Error(`no field ${name}`)
  return field
}

const argName = (name: string) => FIELD_NAME_PREFIX + encodeURIComponent(name)

test('a plain string becomes a labelled textarea with its title, description and required flag', () => {
  const field = fieldOf(
    { properties: { query: { type: 'string', title: 'Search query', description: 'What to look for' } }, required: ['query'] },
    'query',
  )
  expect(field).toMatchObject({
    kind: 'text',
    control: 'textarea',
    inputType: 'text',
    name: 'query',
    inputName: 'arg.query',
    label: 'Search query',
    description: 'What to look for',
    required: true,
    nullable: false,
  })
})

test('a short string gets a one-line input with its length limits as hints', () => {
  const field = fieldOf({ properties: { title: { type: 'string', minLength: 3, maxLength: 80, default: 'Hello' } } }, 'title')
  expect(field).toMatchObject({ kind: 'text', control: 'input', minLength: 3, maxLength: 80, defaultValue: 'Hello', required: false })
  expect(field.hints).toContain('3 to 80 characters')
})

test.each([
  ['email', 'email'],
  ['uri', 'url'],
  ['date', 'date'],
  ['date-time', 'text'],
  ['hostname', 'text'],
])('format %s maps to input type %s', (format, inputType) => {
  const field = fieldOf({ properties: { value: { type: 'string', format } } }, 'value')
  expect(field).toMatchObject({ kind: 'text', control: 'input', inputType, format })
})

test('only anchored, simple patterns reach the browser; all are shown as a hint', () => {
  const safe = fieldOf({ properties: { slug: { type: 'string', pattern: '^[a-z0-9_]+$' } } }, 'slug')
  // Browsers compile the attribute with the `v` flag, where a bare "-" in a class is a syntax error.
  const dash = fieldOf({ properties: { slug: { type: 'string', pattern: '^[a-z0-9-]+$' } } }, 'slug')
  const nested = fieldOf({ properties: { slug: { type: 'string', pattern: '^(a+)+$' } } }, 'slug')
  const unanchored = fieldOf({ properties: { slug: { type: 'string', pattern: '[a-z]' } } }, 'slug')
  const nonCapturing = fieldOf({ properties: { slug: { type: 'string', pattern: '^(?:ab)+$' } } }, 'slug')
  expect(safe).toMatchObject({ htmlPattern: '^[a-z0-9_]+$', pattern: '^[a-z0-9_]+$' })
  expect(dash).toMatchObject({ htmlPattern: undefined, pattern: '^[a-z0-9-]+$' })
  expect(nested).toMatchObject({ htmlPattern: undefined, pattern: '^(a+)+$' })
  expect(unanchored).toMatchObject({ htmlPattern: undefined })
  expect(nonCapturing).toMatchObject({ htmlPattern: '^(?:ab)+$' })
  expect(nested.hints).toContain('Must match the pattern ^(a+)+$')
})

test('a string enum becomes a select with its default chosen; a mixed enum posts JSON', () => {
  const priority = fieldOf({ properties: { priority: { type: 'string', enum: ['low', 'medium', 'high'], default: 'medium' } } }, 'priority')
  expect(priority).toMatchObject({
    kind: 'enum',
    defaultValue: 'medium',
    options: [
      { value: 'low', label: 'low', json: 'low' },
      { value: 'medium', label: 'medium', json: 'medium' },
      { value: 'high', label: 'high', json: 'high' },
    ],
  })
  const mixed = fieldOf({ properties: { level: { enum: [1, '1', null] } } }, 'level')
  expect(mixed).toMatchObject({ kind: 'enum', options: [{ value: '1' }, { value: '"1"' }, { value: 'null' }] })
})

test('numbers and integers carry min, max and a step the browser can honour', () => {
  const count = fieldOf({ properties: { count: { type: 'integer', minimum: 1, maximum: 10, default: 3 } } }, 'count')
  expect(count).toMatchObject({ kind: 'number', integer: true, min: 1, max: 10, step: '1', defaultValue: '3' })
  const ratio = fieldOf({ properties: { ratio: { type: 'number', exclusiveMinimum: 0, maximum: 1 } } }, 'ratio')
  expect(ratio).toMatchObject({ kind: 'number', integer: false, min: undefined, max: 1, step: 'any' })
  expect(ratio.hints).toContain('Greater than 0 and at most 1')
  const fives = fieldOf({ properties: { n: { type: 'integer', multipleOf: 5, minimum: 0 } } }, 'n')
  expect(fives).toMatchObject({ step: '5', min: 0 })
  // From min 1 the browser would step 1, 6, 11: so no step of 5.
  const offset = fieldOf({ properties: { n: { type: 'integer', multipleOf: 5, minimum: 1 } } }, 'n')
  expect(offset).toMatchObject({ step: '1' })
})

test('booleans: checkbox when required or defaulted, tri-state select when optional without default', () => {
  const schema = {
    properties: {
      confirm: { type: 'boolean' },
      verbose: { type: 'boolean', default: true },
      dryRun: { type: 'boolean' },
      maybe: { anyOf: [{ type: 'boolean' }, { type: 'null' }], default: null },
    },
    required: ['confirm'],
  }
  expect(fieldOf(schema, 'confirm')).toMatchObject({ kind: 'boolean', control: 'checkbox', defaultValue: undefined })
  expect(fieldOf(schema, 'verbose')).toMatchObject({ kind: 'boolean', control: 'checkbox', defaultValue: 'true' })
  expect(fieldOf(schema, 'dryRun')).toMatchObject({ kind: 'boolean', control: 'tri-state' })
  expect(fieldOf(schema, 'maybe')).toMatchObject({ kind: 'boolean', control: 'tri-state', nullable: true })
})

test('arrays of scalars become one-per-line lists; arrays of enum values become checkboxes or a multi-select', () => {
  const tags = fieldOf({ properties: { tags: { type: 'array', items: { type: 'string' }, default: ['a', 'b'], minItems: 1 } } }, 'tags')
  expect(tags).toMatchObject({ kind: 'list', itemType: 'string', defaultValue: 'a\nb', minItems: 1 })
  const ids = fieldOf({ properties: { ids: { type: 'array', items: { type: 'integer' } } } }, 'ids')
  expect(ids).toMatchObject({ kind: 'list', itemType: 'integer' })
  const colours = fieldOf({ properties: { colours: { type: 'array', items: { enum: ['red', 'green'] }, default: ['green'] } } }, 'colours')
  expect(colours).toMatchObject({ kind: 'multi-enum', control: 'checkboxes', defaultValue: ['green'] })
  const many = Array.from({ length: 30 }, (_, index) => `option-${index}`)
  const big = fieldOf({ properties: { picks: { type: 'array', items: { type: 'string', enum: many } } } }, 'picks')
  expect(big).toMatchObject({ kind: 'multi-enum', control: 'select' })
})

test('pydantic-style Optional[str] (anyOf with null) is a nullable text field, not raw JSON', () => {
  const spec = describeToolForm({
    type: 'object',
    properties: { note: { anyOf: [{ type: 'string' }, { type: 'null' }], default: null, title: 'Note' } },
  })
  expect(spec.fields[0]).toMatchObject({ kind: 'text', name: 'note', nullable: true, label: 'Note' })
  expect(spec.rawJson.needed).toBe(false)
})

test('nested objects, oneOf, arrays of objects and $ref go into one raw JSON field with their defaults', () => {
  const spec = describeToolForm({
    type: 'object',
    properties: {
      name: { type: 'string' },
      filter: { type: 'object', properties: { a: { type: 'number' } }, default: { a: 1 } },
      target: { oneOf: [{ type: 'string' }, { type: 'number' }] },
      rows: { type: 'array', items: { type: 'object' } },
      ref: { $ref: '#/$defs/thing' },
    },
    required: ['filter'],
    $defs: { thing: { type: 'string' } },
  })
  expect(spec.fields.map((field) => field.name)).toEqual(['name'])
  expect(spec.rawJson).toMatchObject({
    needed: true,
    properties: ['filter', 'target', 'rows', 'ref'],
    required: ['filter'],
    inputName: RAW_JSON_FIELD_NAME,
  })
  expect(JSON.parse(spec.rawJson.defaultValue ?? '')).toEqual({ filter: { a: 1 } })
})

test('the raw JSON field appears when the schema invites arguments no field carries', () => {
  const needed = (schema: Record<string, unknown>) => describeToolForm({ type: 'object', ...schema }).rawJson.needed
  expect(needed({})).toBe(false)
  expect(needed({ properties: { a: { type: 'string' } } })).toBe(false)
  expect(needed({ properties: { a: { type: 'string' } }, additionalProperties: { type: 'number' } })).toBe(true)
  expect(needed({ properties: { a: { type: 'string' } }, required: ['a', 'b'] })).toBe(true)
  expect(needed({ $ref: '#/$defs/args', $defs: { args: { type: 'object' } } })).toBe(true)
  expect(needed({ anyOf: [{ required: ['a'] }, { required: ['b'] }] })).toBe(true)
})

test('any property name becomes a safe, prefixed form name and an index-based id', () => {
  const spec = describeToolForm({
    type: 'object',
    properties: { intent: { type: 'string' }, 'a b"&<x>': { type: 'string' }, __proto__: { type: 'string' } },
  })
  expect(spec.fields.map((field) => [field.name, field.inputName, field.id])).toEqual([
    ['intent', 'arg.intent', 'tool-field-0'],
    ['a b"&<x>', 'arg.a%20b%22%26%3Cx%3E', 'tool-field-1'],
  ])
  // A literal "__proto__" key in an object literal sets the prototype, so it is not a property here.
  const parsed = describeToolForm(JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"}}}'))
  expect(parsed.fields[0]).toMatchObject({ name: '__proto__', inputName: 'arg.__proto__' })
})

test('parse converts types, omits empty optional fields and keeps the route’s own fields out', () => {
  const schema = {
    type: 'object',
    properties: {
      query: { type: 'string' },
      limit: { type: 'integer' },
      ratio: { type: 'number' },
      exact: { type: 'boolean' },
      confirm: { type: 'boolean' },
      tags: { type: 'array', items: { type: 'string' } },
      ids: { type: 'array', items: { type: 'number' } },
      empty: { type: 'string' },
      unset: { type: 'boolean' },
      priority: { enum: ['low', 'high'] },
    },
    required: ['query', 'confirm'],
  }
  const result = parseToolArguments(
    form([
      ['intent', 'run-tool'],
      ['arg.query', '  hello  '],
      ['arg.limit', '10'],
      ['arg.ratio', '-1.5e2'],
      ['arg.exact', 'false'],
      ['arg.tags', ' a \r\n\r\nb\n  \n'],
      ['arg.ids', '1\n2.5'],
      ['arg.empty', ''],
      ['arg.unset', ''],
      ['arg.priority', 'high'],
    ]),
    schema,
  )
  expect(result).toEqual({
    ok: true,
    arguments: { query: '  hello  ', limit: 10, ratio: -150, exact: false, confirm: false, tags: ['a', 'b'], ids: [1, 2.5], priority: 'high' },
  })
})

test.each(['0x10', '1_000', 'Infinity', '1.5', '', ' ', '12345678901234567890'])('the integer field rejects %j', (input) => {
  const result = parseToolArguments(form([['arg.n', input]]), {
    type: 'object',
    properties: { n: { type: 'integer' } },
    required: ['n'],
  })
  expect(result.ok).toBe(false)
  if (result.ok) return
  expect(result.fieldErrors['arg.n']?.[0]).toMatch(/^(Must be a whole number|Required|Is too large to send exactly)$/)
})

test('a required nullable field left empty sends null; an optional one is omitted', () => {
  const schema = {
    type: 'object',
    properties: {
      a: { type: ['string', 'null'] },
      b: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
    },
    required: ['a'],
  }
  expect(parseToolArguments(form([['arg.a', ''], ['arg.b', '']]), schema)).toEqual({ ok: true, arguments: { a: null } })
})

test('schema errors land on the right field as readable sentences', () => {
  const schema = {
    type: 'object',
    properties: {
      title: { type: 'string', maxLength: 80 },
      priority: { type: 'string', enum: ['low', 'medium', 'high'] },
      email: { type: 'string', format: 'email' },
      count: { type: 'integer', minimum: 1, maximum: 5 },
      tags: { type: 'array', items: { type: 'string', maxLength: 3 }, maxItems: 5 },
      name: { type: 'string' },
      note: { anyOf: [{ type: 'string', maxLength: 2 }, { type: 'null' }] },
    },
    required: ['name'],
  }
  const result = parseToolArguments(
    form([
      ['arg.title', 'x'.repeat(81)],
      ['arg.priority', 'urgent'],
      ['arg.email', 'not-an-email'],
      ['arg.count', '9'],
      ['arg.tags', 'ok\n\nway too long'],
      ['arg.note', 'abc'],
    ]),
    schema,
  )
  expect(result).toEqual({
    ok: false,
    formErrors: [],
    fieldErrors: {
      'arg.title': ['Must be at most 80 characters'],
      'arg.priority': ['Must be one of: low, medium, high'],
      'arg.email': ['Must be a valid email address'],
      'arg.count': ['Must be at most 5'],
      // The empty line is dropped, and the message still names the line the user typed it on.
      'arg.tags': ['Line 3: Must be at most 3 characters'],
      'arg.name': ['Required'],
      'arg.note': ['Must be at most 2 characters'],
    },
  })
})

test('a value that is not a number is reported once, without the schema check piling on', () => {
  const result = parseToolArguments(form([['arg.count', 'ten']]), {
    type: 'object',
    properties: { count: { type: 'integer', minimum: 1 } },
    required: ['count'],
  })
  expect(result).toEqual({ ok: false, formErrors: [], fieldErrors: { 'arg.count': ['Must be a whole number'] } })
})

test('raw JSON: parsed, merged, and checked against the schema', () => {
  const schema = {
    type: 'object',
    properties: {
      name: { type: 'string' },
      filter: { type: 'object', properties: { limit: { type: 'number' } }, required: ['limit'] },
    },
    required: ['filter'],
  }
  expect(parseToolArguments(form([['arg.name', 'n'], [RAW_JSON_FIELD_NAME, '{"filter": {"limit": 2}}']]), schema)).toEqual({
    ok: true,
    arguments: { name: 'n', filter: { limit: 2 } },
  })
  expect(parseToolArguments(form([[RAW_JSON_FIELD_NAME, '{"filter": {"limit": "two"}}']]), schema)).toEqual({
    ok: false,
    formErrors: [],
    fieldErrors: { [RAW_JSON_FIELD_NAME]: ['“filter/limit”: Must be a number'] },
  })
  expect(parseToolArguments(form([[RAW_JSON_FIELD_NAME, '']]), schema)).toEqual({
    ok: false,
    formErrors: [],
    fieldErrors: { [RAW_JSON_FIELD_NAME]: ['“filter”: Required'] },
  })
})

test('invalid JSON or a non-object in the raw field is an error on that field', () => {
  const schema = { type: 'object', properties: { filter: { type: 'object' } } }
  const broken = parseToolArguments(form([[RAW_JSON_FIELD_NAME, '{"filter": ']]), schema)
  expect(broken.ok).toBe(false)
  if (!broken.ok) expect(broken.fieldErrors[RAW_JSON_FIELD_NAME]?.[0]).toMatch(/^Is not valid JSON/)
  const array = parseToolArguments(form([[RAW_JSON_FIELD_NAME, '[1, 2]']]), schema)
  expect(array).toMatchObject({ ok: false, fieldErrors: { [RAW_JSON_FIELD_NAME]: [expect.stringMatching(/^Must be a JSON object/)] } })
})

test('raw JSON may not repeat an argument that has its own field', () => {
  const schema = { type: 'object', properties: { name: { type: 'string' }, filter: { type: 'object' } } }
  const result = parseToolArguments(form([['arg.name', 'a'], [RAW_JSON_FIELD_NAME, '{"name": "b", "filter": {}}']]), schema)
  expect(result).toEqual({
    ok: false,
    formErrors: [],
    fieldErrors: { [RAW_JSON_FIELD_NAME]: ['“name” has its own field in this form; remove it from the JSON'] },
  })
})

test('raw JSON keys outside the schema are refused when additionalProperties is false', () => {
  const schema = { type: 'object', properties: { filter: { type: 'object' } }, additionalProperties: false }
  expect(parseToolArguments(form([[RAW_JSON_FIELD_NAME, '{"other": 1}']]), schema)).toEqual({
    ok: false,
    formErrors: [],
    fieldErrors: { [RAW_JSON_FIELD_NAME]: ['“other” is not an argument this tool accepts'] },
  })
})

test('a "__proto__" argument stays an own property and never touches the prototype', () => {
  const schema = JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"}}}')
  const result = parseToolArguments(form([[argName('__proto__'), 'x']]), schema)
  expect(result.ok).toBe(true)
  if (!result.ok) return
  expect(Object.getPrototypeOf(result.arguments)).toBe(Object.prototype)
  expect(Object.hasOwn(result.arguments, '__proto__')).toBe(true)
  expect(JSON.stringify(result.arguments)).toBe('{"__proto__":"x"}')
})

test('a catastrophic pattern from the server is never run on our server', () => {
  const schema = { type: 'object', properties: { s: { type: 'string', pattern: '^(a+)+$' } } }
  // 26 characters: seconds of backtracking if the rule were missing (each one more
  // doubles it), short enough that a regression fails here instead of hanging the run.
  const started = performance.now()
  const result = parseToolArguments(form([['arg.s', `${'a'.repeat(26)}!`]]), schema)
  expect(performance.now() - started).toBeLessThan(1_000)
  // The server remains the authority on its own pattern.
  expect(result).toEqual({ ok: true, arguments: { s: `${'a'.repeat(26)}!` } })
})

test('uniqueItems is checked for scalar lists, but never compared pairwise over objects', () => {
  const schema = {
    type: 'object',
    properties: { tags: { type: 'array', items: { type: 'string' }, uniqueItems: true }, rows: { type: 'array', uniqueItems: true } },
  }
  expect(parseToolArguments(form([['arg.tags', 'a\nb\n\na']]), schema)).toEqual({
    ok: false,
    formErrors: [],
    fieldErrors: { 'arg.tags': ['Line 4: Repeats line 1'] },
  })
  const rows = JSON.stringify({ rows: Array.from({ length: 25_000 }, (_, index) => [index]) })
  const started = performance.now()
  expect(parseToolArguments(form([[RAW_JSON_FIELD_NAME, rows]]), schema).ok).toBe(true)
  expect(performance.now() - started).toBeLessThan(1_000)
})

test('arguments too large to check against a large schema are refused before ajv runs', () => {
  const schema = {
    type: 'object',
    properties: { picks: { type: 'array', items: { enum: Array.from({ length: 40_000 }, (_, index) => index) } } },
  }
  const few = parseToolArguments(form([[RAW_JSON_FIELD_NAME, JSON.stringify({ picks: [1, 2, 3] })]]), schema)
  expect(few).toEqual({ ok: true, arguments: { picks: [1, 2, 3] } })
  const started = performance.now()
  const many = parseToolArguments(form([[RAW_JSON_FIELD_NAME, JSON.stringify({ picks: Array.from({ length: 20_000 }, () => -1) })]]), schema)
  expect(performance.now() - started).toBeLessThan(1_000)
  expect(many).toEqual({
    ok: false,
    fieldErrors: {},
    formErrors: ['These arguments are too large or too deeply nested for Switchboard to check against this tool’s schema.'],
  })
})

test('a hostile schema with 1000 properties is capped at MAX_FIELDS, the rest in raw JSON', () => {
  const properties = Object.fromEntries(Array.from({ length: 1_000 }, (_, index) => [`p${index}`, { type: 'string' }]))
  const spec = describeToolForm({ type: 'object', properties })
  expect(spec.fields).toHaveLength(MAX_FIELDS)
  expect(spec.rawJson).toMatchObject({ needed: true })
  expect(spec.rawJson.properties).toHaveLength(1_000 - MAX_FIELDS)
})

test('deep nesting, huge enums, long titles and non-object schemas do not throw', () => {
  let deep: Record<string, unknown> = { type: 'string' }
  for (let index = 0; index < 5_000; index++) deep = { type: 'object', properties: { x: deep } }
  const deepSpec = describeToolForm(deep)
  expect(deepSpec).toMatchObject({ fields: [], rawJson: { needed: true } })
  expect(deepSpec.schemaError).toMatch(/nested too deeply/)

  const huge = Array.from({ length: 20_000 }, (_, index) => `v${index}`)
  const enumSpec = describeToolForm({
    type: 'object',
    properties: { pick: { type: 'string', enum: huge, title: 'T'.repeat(10_000), description: 'D'.repeat(100_000) } },
  })
  const pick = enumSpec.fields[0]
  expect(pick).toMatchObject({ kind: 'text', control: 'input', hints: ['One of 20,000 allowed values'] })
  expect(pick?.label.length).toBeLessThanOrEqual(120)
  expect(pick?.description?.length).toBeLessThanOrEqual(1_000)
  const wrong = parseToolArguments(form([['arg.pick', 'nope']]), { type: 'object', properties: { pick: { type: 'string', enum: huge } } })
  expect(wrong).toMatchObject({
    ok: false,
    fieldErrors: { 'arg.pick': ['Must be one of: v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, … (20,000 in all)'] },
  })

  for (const schema of [null, undefined, 'string', 42, [], { type: 'string' }, { type: 'object', properties: 'nope', required: 'x' }]) {
    expect(() => describeToolForm(schema)).not.toThrow()
    expect(() => parseToolArguments(form([[RAW_JSON_FIELD_NAME, '{}']]), schema)).not.toThrow()
  }
  expect(describeToolForm({ type: 'string' })).toMatchObject({ fields: [], rawJson: { needed: true }, schemaError: expect.stringMatching(/invalid input schema/) })
  expect(describeToolForm({ type: 'object', properties: 'nope' })).toMatchObject({ fields: [], schemaError: expect.any(String) })
})

test('a property name with a lone surrogate goes to raw JSON instead of throwing', () => {
  const spec = describeToolForm({ type: 'object', properties: { '\uD800': { type: 'string' } } })
  expect(spec.fields).toEqual([])
  expect(spec.rawJson.properties).toEqual(['\uD800'])
})

test('a schema ajv cannot compile gives the raw JSON field alone, and the server checks the arguments', () => {
  const schema = { type: 'object', properties: { a: { type: 'strnig' }, b: { type: 'string' } } }
  const spec = describeToolForm(schema)
  expect(spec).toMatchObject({ fields: [], rawJson: { needed: true, properties: ['a', 'b'] } })
  expect(spec.schemaError).toMatch(/^The server published an invalid input schema for this tool/)
  expect(parseToolArguments(form([[RAW_JSON_FIELD_NAME, '{"a": 1}']]), schema)).toEqual({ ok: true, arguments: { a: 1 } })
  expect(parseToolArguments(form([[RAW_JSON_FIELD_NAME, '"a"']]), schema)).toMatchObject({ ok: false })
  // An unresolvable $ref is the same case.
  expect(describeToolForm({ type: 'object', properties: { a: { $ref: 'https://example.com/s.json' } } }).schemaError).toMatch(/invalid input schema/)
})

test('draft-07 schemas (by $schema) compile with the draft-07 validator', () => {
  const schema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: { tuple: { type: 'array', items: [{ type: 'string' }], additionalItems: false } },
  }
  // `items` as an array is valid draft-07 but invalid 2020-12.
  expect(describeToolForm(schema).schemaError).toBeUndefined()
  expect(describeToolForm({ ...schema, $schema: undefined }).schemaError).toMatch(/invalid input schema/)
  expect(parseToolArguments(form([[RAW_JSON_FIELD_NAME, '{"tuple": ["a", "b"]}']]), schema)).toMatchObject({
    ok: false,
    fieldErrors: { [RAW_JSON_FIELD_NAME]: [expect.stringMatching(/^“tuple”: /)] },
  })
})

test('formValuesFromArguments re-fills every kind of field and the raw JSON', () => {
  const spec = describeToolForm({
    type: 'object',
    properties: {
      query: { type: 'string' },
      limit: { type: 'integer' },
      confirm: { type: 'boolean' },
      exact: { type: 'boolean' },
      level: { enum: [1, 2] },
      tags: { type: 'array', items: { type: 'string' } },
      colours: { type: 'array', items: { enum: ['red', 'green'] } },
      filter: { type: 'object' },
    },
    required: ['confirm'],
  })
  const args = { query: 'q', limit: 3, confirm: false, exact: false, level: 2, tags: ['a', 'b'], colours: ['green'], filter: { a: 1 } }
  expect(formValuesFromArguments(args, spec)).toEqual({
    'arg.query': 'q',
    'arg.limit': '3',
    'arg.exact': 'false',
    'arg.level': '2',
    'arg.tags': 'a\nb',
    'arg.colours': ['green'],
    [RAW_JSON_FIELD_NAME]: '{\n  "filter": {\n    "a": 1\n  }\n}',
  })
  // Round trip: the form values parse back to the same arguments.
  const values = formValuesFromArguments(args, spec)
  const posted = new URLSearchParams()
  for (const [name, value] of Object.entries(values)) for (const item of [value].flat()) posted.append(name, item)
  expect(parseToolArguments(posted, {
    type: 'object',
    properties: {
      query: { type: 'string' },
      limit: { type: 'integer' },
      confirm: { type: 'boolean' },
      exact: { type: 'boolean' },
      level: { enum: [1, 2] },
      tags: { type: 'array', items: { type: 'string' } },
      colours: { type: 'array', items: { enum: ['red', 'green'] } },
      filter: { type: 'object' },
    },
    required: ['confirm'],
  })).toEqual({ ok: true, arguments: args })
  expect(formValuesFromArguments('nonsense', spec)).toEqual({})
})

test('formValuesFromSubmission echoes what was posted, for a failed check', () => {
  const spec = describeToolForm({
    type: 'object',
    properties: { count: { type: 'integer' }, ok: { type: 'boolean', default: false }, picks: { type: 'array', items: { enum: ['a', 'b'] } } },
  })
  expect(
    formValuesFromSubmission(form([['arg.count', 'ten'], ['arg.ok', 'true'], ['arg.picks', 'a'], ['arg.picks', 'b'], ['intent', 'x']]), spec),
  ).toEqual({ 'arg.count': 'ten', 'arg.ok': 'true', 'arg.picks': ['a', 'b'] })
})
