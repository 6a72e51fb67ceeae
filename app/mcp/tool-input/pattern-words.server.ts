// A `pattern` in words, for the help under a field: people do not read regular expressions. Only
// the common shape "characters from a set, some number of times" (^[a-z0-9-]+$, ^\d{4}$) is put
// into words; any other pattern gets no sentence (the browser still checks it where that is safe,
// and the server always does), never the raw expression.
import { formatCount, plural } from '#app/mcp/tool-input/helpers.server.ts'

/** Named parts of a character class, in the order a sentence lists them. */
const RANGE_WORDS: ReadonlyArray<[string, string]> = [
  ['a-z', 'lower-case letters'],
  ['A-Z', 'capital letters'],
  ['0-9', 'digits'],
]

/** What a character class (without its brackets) allows, in words; null when it is not simple. */
function classWords(body: string): string[] | null {
  if (body.startsWith('^') || body.length === 0) return null
  let rest = body
  const words: string[] = []
  if (rest.includes('\\w')) {
    words.push('letters', 'digits', '“_”')
    rest = rest.replaceAll('\\w', '')
  }
  if (rest.includes('\\d')) {
    if (!words.includes('digits')) words.push('digits')
    rest = rest.replaceAll('\\d', '')
  }
  for (const [range, word] of RANGE_WORDS) {
    if (!rest.includes(range)) continue
    rest = rest.replace(range, '')
    if (!words.includes(word) && !(words.includes('letters') && word.endsWith('letters'))) words.push(word)
  }
  if (words.includes('lower-case letters') && words.includes('capital letters')) {
    words.splice(words.indexOf('lower-case letters'), 1, 'letters')
    words.splice(words.indexOf('capital letters'), 1)
  }
  // What is left must be single characters (escaped or not): no other ranges, no shorthand classes.
  const literals: string[] = []
  for (let i = 0; i < rest.length; i++) {
    let char = rest[i] ?? ''
    if (char === '\\') {
      char = rest[i + 1] ?? ''
      i++
      if (/[a-zA-Z0-9]/.test(char)) return null // \s, \b, \u…: not a plain character
    } else if (char === '-' && i > 0 && i < rest.length - 1) {
      return null // another range (a-f): said in words it would mislead
    }
    if (char === ' ') literals.push('spaces')
    else if (!literals.includes(`“${char}”`)) literals.push(`“${char}”`)
  }
  return [...words, ...literals]
}

/** How many characters a quantifier asks for, in words ("" for + and *). Null when it is not one. */
function countWords(quantifier: string): string | null {
  if (quantifier === '+' || quantifier === '*') return ''
  const exact = /^\{(\d{1,4})\}$/.exec(quantifier)
  if (exact) return `exactly ${plural(Number(exact[1]), 'character')}`
  const range = /^\{(\d{1,4}),(\d{0,4})\}$/.exec(quantifier)
  if (!range) return null
  const min = Number(range[1])
  if (range[2] === '') return min > 0 ? `at least ${plural(min, 'character')}` : ''
  return `${min} to ${formatCount(Number(range[2]))} characters`
}

function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join('')
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`
}

/**
 * The pattern as a sentence ("Only lower-case letters, digits and “-”"), or null when it is not
 * a simple "characters from a set" pattern.
 */
export function patternSentence(pattern: string): string | null {
  const match = /^\^(\[(?:\\.|[^\]\\])+\]|\\d|\\w)(\+|\*|\{\d{1,4}(?:,\d{0,4})?\})\$$/.exec(pattern)
  if (!match) return null
  const [, atom = '', quantifier = ''] = match
  const words = atom.startsWith('[') ? classWords(atom.slice(1, -1)) : atom === '\\d' ? ['digits'] : ['letters', 'digits', '“_”']
  const count = countWords(quantifier)
  if (!words || words.length === 0 || count === null) return null
  return `Only ${joinWords(words)}${count ? `, ${count}` : ''}`
}
