import { MAX_PATTERN_CHARS } from '#app/mcp/tool-input/spec.ts'

/**
 * Whether a pattern can go in the `pattern` attribute: the browser anchors it and compiles it
 * with the `v` flag, and runs it on every keystroke, so only short, anchored patterns with no
 * nested quantifiers or backreferences (the usual catastrophic-backtracking shapes) qualify.
 */
export function isBrowserSafePattern(pattern: string): boolean {
  if (pattern.length > MAX_PATTERN_CHARS || !pattern.startsWith('^') || !/(?:^|[^\\])(?:\\\\)*\$$/.test(pattern)) return false
  if (/\\[1-9]|\\k</.test(pattern)) return false
  if (hasNestedQuantifier(pattern)) return false
  try {
    new RegExp(pattern, 'v')
    return true
  } catch {
    return false
  }
}

function hasNestedQuantifier(pattern: string): boolean {
  // Each open group records whether its body repeats or alternates; repeating such a group is the danger.
  const groups: boolean[] = []
  let inClass = false
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]
    if (char === '\\') {
      i++
      continue
    }
    if (inClass) {
      if (char === ']') inClass = false
      continue
    }
    if (char === '[') inClass = true
    else if (char === '(') {
      groups.push(false)
      // Skip the group's own syntax, (?: (?= (?! (?<= (?<! (?<name>, so its "?" is not read as a quantifier.
      if (pattern[i + 1] === '?') {
        const prefix = /^\(\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>)/.exec(pattern.slice(i))
        if (!prefix) return true // Unknown group syntax: not worth the risk.
        i += prefix[0].length - 1
      }
    }
    else if (char === '|' || char === '*' || char === '+' || char === '?' || char === '{') {
      if (groups.length > 0) groups[groups.length - 1] = true
    } else if (char === ')') {
      const risky = groups.pop() ?? false
      const next = pattern[i + 1]
      const repeated = next === '*' || next === '+' || next === '{'
      if (risky && repeated) return true
      if ((risky || repeated) && groups.length > 0) groups[groups.length - 1] = true
    }
  }
  return false
}
