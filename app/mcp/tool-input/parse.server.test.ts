import { expect, test } from 'vitest'
import { describeToolForm } from '#app/mcp/tool-input/describe.server.ts'
import { parseToolArguments } from '#app/mcp/tool-input/parse.server.ts'
import { FIELD_NAME_PREFIX, MAX_FIELDS, RAW_JSON_FIELD_NAME } from '#app/mcp/tool-input/spec.ts'

function form(entries: Array<[string, string]>) {
  return new URLSearchParams(entries)
}

const argName = (name: string) => FIELD_NAME_PREFIX + encodeURIComponent(name)

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
