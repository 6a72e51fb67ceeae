import { expect, test } from 'vitest'
import { describeToolForm } from '#app/mcp/tool-input/describe.server.ts'
import { parseToolArguments } from '#app/mcp/tool-input/parse.server.ts'
import { RAW_JSON_FIELD_NAME } from '#app/mcp/tool-input/spec.ts'
import { formValuesFromArguments, formValuesFromSubmission } from '#app/mcp/tool-input/values.server.ts'

function form(entries: Array<[string, string]>) {
  return new URLSearchParams(entries)
}

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
