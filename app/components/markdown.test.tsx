import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, test } from 'vitest'
import { Markdown, looksLikeMarkdown } from '#app/components/markdown.tsx'

const html = (text: string) => renderToStaticMarkup(<Markdown text={text} />)

describe('Markdown from a server', () => {
  test('blocks: headings below the page, lists, code, quotes, tables, rules', () => {
    const out = html(
      [
        '# Title',
        '',
        'Some **bold**, *italic* and `code`.',
        '',
        '- one',
        '- two',
        '  continued',
        '',
        '1. first',
        '2. second',
        '',
        '```js',
        'const a = "<b>"',
        '```',
        '',
        '> quoted',
        '',
        '| a | b |',
        '| --- | --- |',
        '| 1 | 2 |',
        '',
        '---',
      ].join('\n'),
    )
    expect(out).toContain('<h3>Title</h3>')
    expect(out).toContain('<p>Some <strong>bold</strong>, <em>italic</em> and <code>code</code>.</p>')
    expect(out).toContain('<ul><li>one</li><li>two continued</li></ul>')
    expect(out).toContain('<ol><li>first</li><li>second</li></ol>')
    expect(out).toContain('<pre class="markdown-code"><code>const a = &quot;&lt;b&gt;&quot;</code></pre>')
    expect(out).toContain('<blockquote><div class="markdown"><p>quoted</p></div></blockquote>')
    expect(out).toContain('<th scope="col">a</th>')
    expect(out).toContain('<td>2</td>')
    expect(out).toContain('<hr/>')
  })

  test('nothing the server sends becomes markup; only http(s) links are followed; images stay links', () => {
    const out = html('<script>alert(1)</script> <img src=x onerror=alert(1)> [click](javascript:alert(1)) [ok](https://example.com/a?b=1) ![logo](https://tracker.example/p.png) <https://example.org>')
    expect(out).not.toContain('<script')
    expect(out).not.toContain('<img')
    expect(out).toContain('&lt;script&gt;')
    expect(out).toContain('[click](javascript:alert(1))')
    expect(out).not.toContain('href="javascript')
    expect(out).toContain('<a href="https://example.com/a?b=1" rel="noopener noreferrer nofollow">ok</a>')
    expect(out).toContain('<a href="https://tracker.example/p.png" rel="noopener noreferrer nofollow">Image: logo</a>')
    expect(out).toContain('<a href="https://example.org/" rel="noopener noreferrer nofollow">https://example.org</a>')
  })

  test('hostile text: long runs of markers render as text, at once', () => {
    const out = html(`${'*'.repeat(50_000)} ${'`'.repeat(30_000)} ${'[a]('.repeat(5_000)}`)
    expect(out.length).toBeGreaterThan(80_000)
  })

  test('which texts are worth rendering', () => {
    expect(looksLikeMarkdown('# Heading\ntext')).toBe(true)
    expect(looksLikeMarkdown('- a\n- b')).toBe(true)
    expect(looksLikeMarkdown('See [docs](https://example.com).')).toBe(true)
    expect(looksLikeMarkdown('2 + 3 = 5')).toBe(false)
    expect(looksLikeMarkdown('{"sum": 5}')).toBe(false)
  })
})
