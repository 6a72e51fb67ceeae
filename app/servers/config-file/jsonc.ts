// JSON with comments and trailing commas, as VS Code writes `mcp.json` and `settings.json`.
// A small reader instead of a dependency: it only blanks comments and drops trailing commas
// outside strings, then hands the text to JSON.parse, so every other rule stays JSON's.

/** Parses JSONC text. Throws SyntaxError (JSON.parse's message) when it is not JSON. */
export function parseJsonc(text: string): unknown {
  return JSON.parse(stripJsonc(text.replace(/^\uFEFF/, '')))
}

/** The text with comments replaced by spaces and trailing commas removed, strings untouched. */
export function stripJsonc(text: string): string {
  let out = ''
  let i = 0
  // Index in `out` of a comma that may turn out to be trailing, or -1.
  let pendingComma = -1
  while (i < text.length) {
    const char = text[i]
    const next = text[i + 1]
    if (char === '"') {
      const end = endOfString(text, i)
      out += text.slice(i, end)
      i = end
      pendingComma = -1
    } else if (char === '/' && next === '/') {
      const end = text.indexOf('\n', i)
      i = end === -1 ? text.length : end
    } else if (char === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2)
      // An unclosed comment: leave the rest for JSON.parse to refuse.
      if (end === -1) return out + text.slice(i)
      out += ' '
      i = end + 2
    } else if (char === ',') {
      pendingComma = out.length
      out += char
      i++
    } else if ((char === '}' || char === ']') && pendingComma !== -1) {
      out = out.slice(0, pendingComma) + out.slice(pendingComma + 1) + char
      pendingComma = -1
      i++
    } else {
      if (char !== undefined && !/\s/.test(char)) pendingComma = -1
      out += char
      i++
    }
  }
  return out
}

/** Index just after the string that starts at `start` (a double quote), honouring escapes. */
function endOfString(text: string, start: number): number {
  let i = start + 1
  while (i < text.length) {
    if (text[i] === '\\') i += 2
    else if (text[i] === '"') return i + 1
    else i++
  }
  return text.length
}
