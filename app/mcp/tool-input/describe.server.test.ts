import { expect, test } from 'vitest'
import { describeToolForm } from '#app/mcp/tool-input/describe.server.ts'
import { RAW_JSON_FIELD_NAME, type ToolField } from '#app/mcp/tool-input/spec.ts'

function fieldOf(schema: Record<string, unknown>, name: string): ToolField {
  const field = describeToolForm({ type: 'object', ...schema }).fields.find((candidate) => candidate.name === name)
  if (!field) throw new Error(`no field ${name}`)
  return field
}

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

test('only anchored, simple patterns reach the browser', () => {
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
  // No regular expression is shown as help: a simple one in words, any other not at all.
  expect(nested.hints).toEqual([])
  expect(safe.hints).toEqual(['Only lower-case letters, digits and “_”'])
})

test.each([
  ['^[a-z0-9-]+$', 'Only lower-case letters, digits and “-”'],
  ['^[A-Za-z]{2,10}$', 'Only letters, 2 to 10 characters'],
  ['^\\d{4}$', 'Only digits, exactly 4 characters'],
  ['^[0-9A-Z]{1,}$', 'Only capital letters and digits, at least 1 character'],
  ['^\\w+$', 'Only letters, digits and “_”'],
  ['^[a-f0-9]+$', null],
  ['^[0-9A-F]+$', null],
  ['^[^/]+$', null],
  ['^(?:ab)+$', null],
  ['^[a-z]+@example\\.com$', null],
])('the pattern %s is said as %s (or not at all)', (pattern, sentence) => {
  const field = fieldOf({ properties: { value: { type: 'string', pattern } } }, 'value')
  expect(field.hints).toEqual(sentence ? [sentence] : [])
  // The pattern itself stays, for the browser's check where that is safe.
  expect(field).toMatchObject({ pattern })
})

test('a format with a pattern (as zod writes dates and emails) shows the format hint, never the pattern', () => {
  const date = fieldOf(
    { properties: { due: { type: 'string', format: 'date', pattern: '^(?:\\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01]))$' } } },
    'due',
  )
  expect(date.hints).toEqual(['A date, YYYY-MM-DD'])
  // A description that already gives the format is not repeated.
  const described = fieldOf({ properties: { due: { type: 'string', format: 'date', description: 'When it is due, as YYYY-MM-DD.' } } }, 'due')
  expect(described.hints).toEqual([])
})

test('the length limits appear once: not again when the description already gives them', () => {
  const said = fieldOf({ properties: { title: { type: 'string', minLength: 3, maxLength: 80, description: 'A short summary, 3 to 80 characters.' } } }, 'title')
  expect(said.hints).toEqual([])
  const unsaid = fieldOf({ properties: { title: { type: 'string', minLength: 3, maxLength: 80, description: 'A short summary.' } } }, 'title')
  expect(unsaid.hints).toEqual(['3 to 80 characters'])
  const otherNumbers = fieldOf({ properties: { code: { type: 'string', maxLength: 12, description: 'Up to 10 characters in most cases.' } } }, 'code')
  expect(otherNumbers.hints).toEqual(['At most 12 characters'])
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
