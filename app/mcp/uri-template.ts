// URI templates (RFC 6570) as MCP resource templates use them: the variables a template names,
// for a form with one field each, and the URI once the person filled them in. Level 3 expressions
// ({var}, {+var}, {#var}, {.var}, {/var}, {;var}, {?var}, {&var}, lists of names); prefix and
// explode modifiers are read as plain names, which is what a form of single values can give.

const EXPRESSION = /\{([+#./;?&]?)([^{}]+)\}/g

type Operator = '' | '+' | '#' | '.' | '/' | ';' | '?' | '&'
const OPERATORS: Record<Operator, { first: string; separator: string; named: boolean; reserved: boolean }> = {
  '': { first: '', separator: ',', named: false, reserved: false },
  '+': { first: '', separator: ',', named: false, reserved: true },
  '#': { first: '#', separator: ',', named: false, reserved: true },
  '.': { first: '.', separator: '.', named: false, reserved: false },
  '/': { first: '/', separator: '/', named: false, reserved: false },
  ';': { first: ';', separator: ';', named: true, reserved: false },
  '?': { first: '?', separator: '&', named: true, reserved: false },
  '&': { first: '&', separator: '&', named: true, reserved: false },
}

function names(list: string): string[] {
  return list
    .split(',')
    .map((name) => name.trim().replace(/(\*|:\d+)$/, ''))
    .filter(Boolean)
}

/** The variable names of a template, in order, each once. */
export function templateVariables(template: string): string[] {
  const found = new Set<string>()
  for (const match of template.matchAll(EXPRESSION)) for (const name of names(match[2] ?? '')) found.add(name)
  return [...found]
}

function encode(value: string, reserved: boolean): string {
  // Reserved expansion keeps reserved characters (and existing %XX) as they are.
  return reserved ? encodeURI(value).replace(/%25([0-9A-Fa-f]{2})/g, '%$1') : encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** The template with its variables filled in; empty values are left out as RFC 6570 says for undefined ones. */
export function expandTemplate(template: string, values: Record<string, string>): string {
  return template.replace(EXPRESSION, (_whole, op: string, list: string) => {
    const operator = OPERATORS[op as Operator]
    const parts = names(list).flatMap((name) => {
      const value = values[name]
      if (value === undefined || value === '') return []
      const encoded = encode(value, operator.reserved)
      return [operator.named ? `${name}=${encoded}` : encoded]
    })
    return parts.length === 0 ? '' : operator.first + parts.join(operator.separator)
  })
}
