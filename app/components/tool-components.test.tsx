import { renderToStaticMarkup } from 'react-dom/server'
import { expect, test } from 'vitest'
import { ToolForm } from '#app/components/tool-form.tsx'
import { ToolResult } from '#app/components/tool-result.tsx'
import { MAX_TEXT_CHARS, toDisplayResult } from '#app/mcp/tool-display.server.ts'
import { describeToolForm } from '#app/mcp/tool-input/describe.server.ts'
import { RAW_JSON_FIELD_NAME } from '#app/mcp/tool-input/spec.ts'

// No DOM in the node environment: read tags and attributes from the static markup. React escapes
// quotes inside attribute values, so this simple reader is exact for its output.
type Tag = { name: string; attrs: Record<string, string> }
function tags(html: string, name?: string): Tag[] {
  const found: Tag[] = []
  for (const match of html.matchAll(/<([a-z0-9]+)\b([^>]*)>/g)) {
    const attrs: Record<string, string> = {}
    for (const attr of (match[2] ?? '').matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:="([^"]*)")?/g)) {
      attrs[attr[1] ?? ''] = decode(attr[2] ?? '')
    }
    if (!name || match[1] === name) found.push({ name: match[1] ?? '', attrs })
  }
  return found
}
function decode(text: string) {
  return text.replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
}
function byId(html: string, id: string): Tag | undefined {
  return tags(html).find((tag) => tag.attrs.id === id)
}
/** The text between an element's opening tag and its closing tag (no nesting of the same tag). */
function inner(html: string, name: string, id: string): string | undefined {
  const match = new RegExp(`<${name}\\b[^>]*id="${id}"[^>]*>([\\s\\S]*?)</${name}>`).exec(html)
  return match ? decode(match[1] ?? '') : undefined
}

const kitchenSink = {
  type: 'object',
  properties: {
    query: { type: 'string', title: 'Query', description: 'What to search for' },
    title: { type: 'string', maxLength: 80, pattern: '^[A-Za-z ]+$' },
    email: { type: 'string', format: 'email' },
    count: { type: 'integer', minimum: 1, maximum: 10, default: 3 },
    confirm: { type: 'boolean' },
    verbose: { type: 'boolean', default: true },
    dryRun: { type: 'boolean' },
    priority: { type: 'string', enum: ['low', 'medium', 'high'] },
    tags: { type: 'array', items: { type: 'string' } },
    colours: { type: 'array', items: { enum: ['red', 'green'] } },
    zones: { type: 'array', items: { enum: Array.from({ length: 20 }, (_, index) => `zone-${index}`) } },
    filter: { type: 'object' },
  },
  required: ['query', 'confirm', 'priority', 'count'],
}

test('every control has a label bound to it, and help text linked by aria-describedby', () => {
  const spec = describeToolForm(kitchenSink)
  const html = renderToStaticMarkup(<ToolForm spec={spec} />)
  const labels = tags(html, 'label')
  const controls = tags(html).filter((tag) => ['input', 'select', 'textarea'].includes(tag.name))
  expect(controls.length).toBeGreaterThan(12)
  for (const control of controls) {
    const id = control.attrs.id ?? ''
    expect(labels.filter((label) => label.attrs.for === id), `label for ${id}`).toHaveLength(1)
  }
  for (const tag of tags(html).filter((candidate) => candidate.attrs['aria-describedby'])) {
    for (const id of (tag.attrs['aria-describedby'] ?? '').split(' ')) expect(byId(html, id), `#${id}`).toBeDefined()
  }
  expect(byId(html, 'tool-field-0')?.attrs['aria-describedby']).toBe('tool-field-0-help')
  expect(inner(html, 'div', 'tool-field-0-help')).toContain('What to search for')
  expect(html).not.toMatch(/\sstyle=/)
})

test('each field kind renders its native control with the schema’s constraints', () => {
  const html = renderToStaticMarkup(<ToolForm spec={describeToolForm(kitchenSink)} />)
  const byName = (name: string) => tags(html).filter((tag) => tag.attrs.name === `arg.${name}`)
  expect(byName('query')[0]).toMatchObject({ name: 'textarea', attrs: { required: '' } })
  expect(byName('title')[0]).toMatchObject({ name: 'input', attrs: { type: 'text', pattern: '^[A-Za-z ]+$' } })
  // NOTE: no maxlength: the browser counts UTF-16 units, the schema counts characters.
  expect(byName('title')[0]?.attrs).not.toHaveProperty('maxlength')
  expect(byName('email')[0]).toMatchObject({ name: 'input', attrs: { type: 'email' } })
  expect(byName('count')[0]).toMatchObject({ name: 'input', attrs: { type: 'number', min: '1', max: '10', step: '1', value: '3', required: '' } })
  expect(byName('confirm')[0]).toMatchObject({ name: 'input', attrs: { type: 'checkbox', value: 'true' } })
  expect(byName('verbose')[0]).toMatchObject({ name: 'input', attrs: { type: 'checkbox', checked: '' } })
  expect(byName('dryRun')[0]?.name).toBe('select')
  expect(inner(html, 'select', byName('dryRun')[0]?.attrs.id ?? '')).toBe(
    '<option value="" selected="">Not set</option><option value="true">true</option><option value="false">false</option>',
  )
  expect(byName('priority')[0]).toMatchObject({ name: 'select', attrs: { required: '' } })
  expect(inner(html, 'select', byName('priority')[0]?.attrs.id ?? '')).toContain('<option value="" selected="">Choose…</option><option value="low">low</option>')
  expect(byName('tags')[0]).toMatchObject({ name: 'textarea' })
  expect(byName('colours').map((tag) => [tag.name, tag.attrs.type, tag.attrs.value])).toEqual([
    ['input', 'checkbox', 'red'],
    ['input', 'checkbox', 'green'],
  ])
  expect(byName('zones')[0]).toMatchObject({ name: 'select', attrs: { multiple: '', size: '8' } })
  expect(tags(html).filter((tag) => tag.attrs.name === RAW_JSON_FIELD_NAME)).toMatchObject([{ name: 'textarea' }])
  expect(html).toContain('Other arguments (JSON)')
})

test('native required only where the schema requires a value an empty control would lack', () => {
  const html = renderToStaticMarkup(<ToolForm spec={describeToolForm(kitchenSink)} />)
  const required = tags(html)
    .filter((tag) => 'required' in tag.attrs)
    .map((tag) => tag.attrs.name)
  // Not the required checkbox (unchecked means false), not optional fields, not the tri-state select.
  expect(required).toEqual(['arg.query', 'arg.count', 'arg.priority'])
})

test('a required but nullable field has no native required: left empty, it sends null', () => {
  const spec = describeToolForm({
    type: 'object',
    properties: { note: { type: ['string', 'null'], maxLength: 20 }, flag: { anyOf: [{ type: 'boolean' }, { type: 'null' }] } },
    required: ['note', 'flag'],
  })
  const html = renderToStaticMarkup(<ToolForm spec={spec} />)
  expect(byId(html, 'tool-field-0')).toMatchObject({ name: 'input' })
  expect(byId(html, 'tool-field-0')?.attrs).not.toHaveProperty('required')
  expect(byId(html, 'tool-field-1')).toMatchObject({ name: 'select' })
  expect(byId(html, 'tool-field-1')?.attrs).not.toHaveProperty('required')
})

test('errors mark the control invalid, list the messages and link from a summary at the top', () => {
  const spec = describeToolForm(kitchenSink)
  const html = renderToStaticMarkup(
    <ToolForm
      spec={spec}
      errors={{
        fieldErrors: { 'arg.query': ['Required'], 'arg.confirm': ['Must be checked'], [RAW_JSON_FIELD_NAME]: ['Is not valid JSON'] },
        formErrors: ['The server said no'],
      }}
    />,
  )
  const query = byId(html, 'tool-field-0')
  expect(query?.attrs['aria-invalid']).toBe('true')
  expect(query?.attrs['aria-describedby']).toBe('tool-field-0-help tool-field-0-error')
  expect(byId(html, 'tool-field-0-error')).toMatchObject({ name: 'ul', attrs: { class: 'error-list' } })
  expect(inner(html, 'ul', 'tool-field-0-error')).toBe('<li>Required</li>')
  expect(byId(html, 'tool-field-1')?.attrs).not.toHaveProperty('aria-invalid')

  expect(html.indexOf('id="tool-form-errors"')).toBeLessThan(html.indexOf('id="tool-field-0"'))
  const links = tags(inner(html, 'div', 'tool-form-errors') ?? '', 'a').map((tag) => tag.attrs.href)
  expect(links).toEqual(['#tool-field-0', '#tool-field-4', '#tool-field-json'])
  expect(html).toContain('<a href="#tool-field-0">Query: Required</a>')
  expect(inner(html, 'ul', 'tool-form-errors-form')).toBe('<li>The server said no</li>')
  expect(byId(html, 'tool-field-json')?.attrs['aria-invalid']).toBe('true')
})

test('no error summary without errors', () => {
  const html = renderToStaticMarkup(<ToolForm spec={describeToolForm(kitchenSink)} errors={{ fieldErrors: {}, formErrors: [] }} />)
  expect(html).not.toContain('tool-form-errors')
  expect(html).not.toContain('aria-invalid')
})

test('defaultValues replace the schema defaults, including unchecking a defaulted checkbox', () => {
  const spec = describeToolForm(kitchenSink)
  const html = renderToStaticMarkup(
    <ToolForm
      spec={spec}
      defaultValues={{ 'arg.query': 'cats & <dogs>', 'arg.dryRun': 'false', 'arg.colours': ['green'], [RAW_JSON_FIELD_NAME]: '{"filter": {}}' }}
    />,
  )
  expect(inner(html, 'textarea', 'tool-field-0')).toBe('cats & <dogs>')
  expect(html).toContain('&lt;dogs&gt;')
  expect(byId(html, 'tool-field-5')?.attrs).not.toHaveProperty('checked')
  expect(inner(html, 'select', 'tool-field-6')).toContain('<option value="false" selected="">false</option>')
  expect(byId(html, 'tool-field-9-option-1')?.attrs).toHaveProperty('checked')
  expect(byId(html, 'tool-field-9-option-0')?.attrs).not.toHaveProperty('checked')
  expect(inner(html, 'textarea', 'tool-field-json')).toBe('{"filter": {}}')
})

test('a schema Switchboard cannot use says so and offers only the JSON field', () => {
  const html = renderToStaticMarkup(<ToolForm spec={describeToolForm({ type: 'object', properties: { a: { type: 'nope' } } })} />)
  expect(inner(html, 'p', 'tool-form-schema-problem')).toMatch(/^The server published an invalid input schema/)
  expect(tags(html).filter((tag) => ['input', 'select', 'textarea'].includes(tag.name)).map((tag) => tag.attrs.name)).toEqual([RAW_JSON_FIELD_NAME])
  expect(html).toContain('Arguments (JSON)')
})

test('a tool without arguments says so, and children (the submit button) render inside', () => {
  const html = renderToStaticMarkup(
    <ToolForm spec={describeToolForm({ type: 'object' })}>
      <button type="submit">Run</button>
    </ToolForm>,
  )
  expect(html).toContain('This tool takes no arguments.')
  expect(html).toContain('<button type="submit">Run</button>')
})

// ---------------------------------------------------------------------------------------------
// ToolResult

const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='

test('text keeps its whitespace in a pre, escaped, and the duration is shown', () => {
  const html = renderToStaticMarkup(
    <ToolResult result={toDisplayResult({ content: [{ type: 'text', text: 'line 1\n  line 2 <script>alert(1)</script>' }] })} durationMs={1234.4} />,
  )
  expect(html).toContain('<pre class="tool-result-text">line 1\n  line 2 &lt;script&gt;alert(1)&lt;/script&gt;</pre>')
  expect(html).toContain('Took 1,234 ms')
  expect(html).not.toContain('role="alert"')
})

test('very long text is cut at MAX_TEXT_CHARS with a note', () => {
  const html = renderToStaticMarkup(<ToolResult result={toDisplayResult({ content: [{ type: 'text', text: 'x'.repeat(MAX_TEXT_CHARS + 5) }] })} />)
  expect(html).toContain(`>${'x'.repeat(MAX_TEXT_CHARS)}</pre>`)
  expect(html).not.toContain('x'.repeat(MAX_TEXT_CHARS + 1))
  expect(html).toContain('Showing the first 100,000 of 100,005 characters.')
})

test('images become data: URLs only for png, jpeg, gif and webp', () => {
  const html = renderToStaticMarkup(
    <ToolResult
      result={toDisplayResult({
        content: [
          { type: 'image', data: png, mimeType: 'image/png' },
          { type: 'image', data: png, mimeType: 'IMAGE/JPEG; charset=binary' },
          { type: 'image', data: png, mimeType: 'image/svg+xml' },
          { type: 'image', data: png, mimeType: 'text/html' },
          { type: 'image', data: 'not base64!', mimeType: 'image/gif' },
        ],
      })}
    />,
  )
  expect(tags(html, 'img').map((tag) => tag.attrs.src)).toEqual([`data:image/png;base64,${png}`, `data:image/jpeg;base64,${png}`])
  for (const img of tags(html, 'img')) expect(img.attrs.alt).toMatch(/^Image returned by the tool/)
  expect(html).toContain('Image of type “image/svg+xml” not displayed.')
  expect(html).toContain('Image of type “text/html” not displayed.')
  expect(html).toContain('The image data is not valid base64')
  expect(html).not.toContain('data:image/svg')
  expect(html).not.toContain('data:text/html')
})

test('audio plays from a data: URL for audio/* types only', () => {
  const html = renderToStaticMarkup(
    <ToolResult
      result={toDisplayResult({
        content: [
          { type: 'audio', data: 'AAAA', mimeType: 'audio/mpeg' },
          { type: 'audio', data: 'AAAA', mimeType: 'video/mp4' },
          { type: 'audio', data: 'AAAA', mimeType: 'audio/x,evil' },
        ],
      })}
    />,
  )
  expect(tags(html, 'audio')).toEqual([
    { name: 'audio', attrs: { controls: '', preload: 'metadata', src: 'data:audio/mpeg;base64,AAAA', 'aria-label': 'Audio returned by the tool (audio/mpeg)' } },
  ])
  expect(html).toContain('Audio of type “video/mp4” not displayed.')
  expect(html).toContain('Audio of type “audio/x,evil” not displayed.')
})

test('embedded resources: text in a pre with its URI and type; blobs only described', () => {
  const html = renderToStaticMarkup(
    <ToolResult
      result={toDisplayResult({
        content: [
          { type: 'resource', resource: { uri: 'file:///notes.md', mimeType: 'text/markdown', text: '# Notes' } },
          { type: 'resource', resource: { uri: 'file:///report.pdf', mimeType: 'application/pdf', blob: 'AAAAAAAA' } },
        ],
      })}
    />,
  )
  expect(html).toContain('Resource <code>file:///notes.md</code><span class="muted"> (text/markdown)</span>')
  expect(html).toContain('<pre class="tool-result-text"># Notes</pre>')
  expect(html).toContain('Binary resource <code>file:///report.pdf</code>: 6 bytes, application/pdf. Not displayed.')
  expect(html).not.toContain('AAAAAAAA')
  expect(tags(html, 'a')).toEqual([])
})

test('resource links are clickable only for http and https', () => {
  const hostile = ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'java\tscript:alert(1)', ' javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'file:///etc/passwd', '//evil.example/x']
  const html = renderToStaticMarkup(
    <ToolResult
      result={toDisplayResult({
        content: [
          { type: 'resource_link', uri: 'https://example.com/doc?a=1&b=2', name: 'doc', title: 'The doc', description: 'A document' },
          ...hostile.map((uri, index) => ({ type: 'resource_link', uri, name: `bad-${index}` })),
        ],
      })}
    />,
  )
  expect(tags(html, 'a')).toEqual([{ name: 'a', attrs: { href: 'https://example.com/doc?a=1&b=2', rel: 'noopener noreferrer' } }])
  expect(html).toContain('A document')
  expect(html).toContain('Name <code>doc</code>')
  expect(html).toContain('<strong>bad-0</strong>')
  expect(html).not.toMatch(/href="(?!https:)/)
})

test('structured content is pretty-printed under its own heading', () => {
  const html = renderToStaticMarkup(<ToolResult result={toDisplayResult({ content: [], structuredContent: { temperature: 21, unit: 'C' } })} />)
  expect(html).toContain('<h3>Structured content</h3><pre class="tool-result-json">{\n  &quot;temperature&quot;: 21,\n  &quot;unit&quot;: &quot;C&quot;\n}</pre>')
  expect(html).not.toContain('The tool returned no content.')
})

test('isError is marked as an alert with the server’s text inside it', () => {
  const html = renderToStaticMarkup(<ToolResult result={toDisplayResult({ isError: true, content: [{ type: 'text', text: 'City not found' }] })} />)
  const alert = /<div class="tool-result-error" role="alert">([\s\S]*)<\/div>/.exec(html)?.[1] ?? ''
  expect(alert).toContain('The tool reported an error.')
  expect(alert).toContain('City not found')
  const success = renderToStaticMarkup(<ToolResult result={toDisplayResult({ isError: false, content: [{ type: 'text', text: 'Sunny' }] })} />)
  expect(success).not.toContain('role="alert"')
  expect(success).not.toContain('reported an error')
})

test('unknown content types are shown as JSON; malformed known ones say what is wrong', () => {
  const html = renderToStaticMarkup(
    <ToolResult result={toDisplayResult({ content: [{ type: 'hologram', depth: 3 }, { type: 'text', text: 42 }, 'just a string'] })} />,
  )
  expect(html).toContain('Content of type <code>hologram</code> that Switchboard does not know how to show:')
  expect(html).toContain('&quot;depth&quot;: 3')
  expect(html).toContain('A <code>text</code> block Switchboard cannot read (text: ')
  expect(html).toContain('Content of type <code>(no type)</code>')
})

test.each([
  ['null', null],
  ['a string', 'hello'],
  ['content that is not a list', { content: 'hello' }],
  ['isError that is not a boolean', { content: [], isError: 'yes' }],
  ['structuredContent that is an array', { content: [], structuredContent: [1] }],
])('a result with %s is reported as unreadable instead of crashing', (_, result) => {
  const html = renderToStaticMarkup(<ToolResult result={toDisplayResult(result)} durationMs={5} />)
  expect(html).toContain('The server returned a result Switchboard cannot read.')
  expect(html).toContain('<details><summary>What the server sent</summary>')
  expect(html).toContain('Took 5 ms')
})

function nested(depth: number): Record<string, unknown> {
  const root: Record<string, unknown> = {}
  let node = root
  for (let i = 0; i < depth; i++) {
    const child: Record<string, unknown> = {}
    node.a = child
    node = child
  }
  return root
}

test('the display result of a 4.5 M-character text and a huge image is small, with notes instead of the data', () => {
  const huge = 'y'.repeat(4_500_000)
  const image = 'A'.repeat(6_000_000)
  const display = toDisplayResult({
    content: [
      { type: 'text', text: huge },
      { type: 'image', data: image, mimeType: 'image/png' },
      { type: 'resource', resource: { uri: 'file:///big.bin', blob: image } },
    ],
  })
  expect(JSON.stringify(display).length).toBeLessThan(MAX_TEXT_CHARS + 2_000)
  const html = renderToStaticMarkup(<ToolResult result={display} />)
  expect(html).toContain('Showing the first 100,000 of 4,500,000 characters.')
  expect(html).toContain('Not shown: the image is too large to display here (4.3 MB).')
  expect(html).not.toContain('<img')
  expect(html.length).toBeLessThan(MAX_TEXT_CHARS + 5_000)
})

test('many big blocks together stay within one budget for the whole result', () => {
  const display = toDisplayResult({ content: Array.from({ length: 100 }, () => ({ type: 'text', text: 'z'.repeat(MAX_TEXT_CHARS) })) })
  expect(JSON.stringify(display).length).toBeLessThan(5_100_000)
  expect(renderToStaticMarkup(<ToolResult result={display} />)).toContain('block not shown: this result is too large to display in full.')
})

test('structured content or a block nested 200,000 deep shows a “too deep to display” note instead of overflowing', () => {
  const deep = nested(200_000)
  const display = toDisplayResult({ content: [{ type: 'hologram', deep }], structuredContent: { deep } })
  const html = renderToStaticMarkup(<ToolResult result={display} />)
  expect(html).toContain('The structured content is nested too deeply to display (more than 100 levels).')
  expect(html).toContain('This block is nested too deeply to display (more than 100 levels).')
  expect(html.length).toBeLessThan(5_000)
  const unreadable = renderToStaticMarkup(<ToolResult result={toDisplayResult({ content: 'x', deep })} />)
  expect(unreadable).toContain('What the server sent is nested too deeply to display')
})

test('the result is a polite live region, so a run that answers in place is announced', () => {
  const html = renderToStaticMarkup(<ToolResult result={toDisplayResult({ content: [{ type: 'text', text: 'done' }] })} />)
  expect(tags(html, 'div').find((tag) => tag.attrs.class === 'tool-result')?.attrs['aria-live']).toBe('polite')
})
