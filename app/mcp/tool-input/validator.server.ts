import Ajv07, { type ValidateFunction } from 'ajv'
import Ajv2019 from 'ajv/dist/2019.js'
import Ajv2020 from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { countNodes, ellipsize } from '#app/mcp/display-bounds.ts'
import { inputSchemaBoundsProblem } from '#app/mcp/tool-input/bounds.server.ts'
import { isRecord } from '#app/mcp/tool-input/helpers.server.ts'
import { MAX_SCHEMA_DEPTH, MAX_SCHEMA_JSON_CHARS, MAX_SCHEMA_NODES, VALIDATOR_CACHE_SIZE } from '#app/mcp/tool-input/spec.ts'


type Compiled = { ok: true; validate: ValidateFunction; schemaNodes: number } | { ok: false; message: string }
const validatorCache = new Map<string, Compiled>()

function invalidSchema(detail: string): Compiled {
  return {
    ok: false,
    message: `The server published an invalid input schema for this tool (${ellipsize(detail, 300)}). ${RAW_ONLY_SENTENCE}`,
  }
}

const RAW_ONLY_SENTENCE = 'Switchboard cannot build a form or check the arguments: enter them as JSON, and the server will check them.'

/** Compiles the schema once per distinct JSON (small LRU). Never throws. */
export function getValidator(inputSchema: unknown): Compiled {
  if (!isRecord(inputSchema)) return invalidSchema('it is not a JSON object')
  if (inputSchema.type !== undefined && inputSchema.type !== 'object') return invalidSchema('its type is not "object"')
  // Before anything below walks the schema recursively (JSON.stringify, ajv): a schema nested
  // thousands deep would overflow the stack there.
  const bounds = inputSchemaBoundsProblem(inputSchema)
  if (bounds) return { ok: false, message: `${bounds} ${RAW_ONLY_SENTENCE}` }
  const dialect = dialectOf(inputSchema.$schema)
  let key: string
  try {
    key = `${dialect}:${JSON.stringify(inputSchema)}`
  } catch {
    return invalidSchema('it cannot be serialised')
  }
  if (key.length > MAX_SCHEMA_JSON_CHARS) return invalidSchema('it is too large')
  const cached = validatorCache.get(key)
  if (cached) {
    validatorCache.delete(key)
    validatorCache.set(key, cached)
    return cached
  }
  const compiled = compile(inputSchema, dialect)
  validatorCache.set(key, compiled)
  if (validatorCache.size > VALIDATOR_CACHE_SIZE) {
    const oldest = validatorCache.keys().next()
    if (!oldest.done) validatorCache.delete(oldest.value)
  }
  return compiled
}

type Dialect = '2020' | '2019' | '07'
function dialectOf($schema: unknown): Dialect {
  if (typeof $schema !== 'string') return '2020' // MCP's default dialect is 2020-12.
  if (/draft-0[4-7]/.test($schema)) return '07'
  if ($schema.includes('2019-09')) return '2019'
  return '2020'
}

const AJV_CLASSES = { '07': Ajv07, '2019': Ajv2019, '2020': Ajv2020 } as const
const metaCheckers = new Map<Dialect, Ajv07>()

/** One long-lived instance per dialect only checks schemas against the meta-schema, which is slow to compile. */
function metaChecker(dialect: Dialect): Ajv07 {
  let checker = metaCheckers.get(dialect)
  if (!checker) {
    checker = new AJV_CLASSES[dialect]({ strict: false, logger: false })
    metaCheckers.set(dialect, checker)
  }
  return checker
}

function compile(inputSchema: Record<string, unknown>, dialect: Dialect): Compiled {
  try {
    const { $schema: _ignored, ...schema } = sanitizeObject(inputSchema, 0)
    const checker = metaChecker(dialect)
    if (checker.validateSchema(schema) !== true) return invalidSchema(checker.errorsText(checker.errors, { dataVar: 'schema' }))
    // A fresh instance per schema: compiled schemas and their $ids stay out of a shared registry,
    // so eviction from our cache frees them and two servers' equal $ids cannot clash.
    const ajv = new AJV_CLASSES[dialect]({
      strict: false,
      allErrors: true,
      logger: false,
      ownProperties: true,
      validateSchema: false,
      // Loops instead of unrolled code for long `required`/`enum` lists from hostile schemas.
      loopRequired: 20,
      loopEnum: 20,
    })
    addFormats(ajv)
    const schemaNodes = countNodes(schema, MAX_SCHEMA_NODES, MAX_SCHEMA_DEPTH)
    return { ok: true, validate: ajv.compile(schema), schemaNodes: typeof schemaNodes === 'number' ? schemaNodes : MAX_SCHEMA_NODES }
  } catch (error) {
    return invalidSchema(error instanceof Error ? error.message : 'it does not compile')
  }
}

const SCHEMA_MAP_KEYWORDS = new Set(['properties', '$defs', 'definitions', 'dependentSchemas'])
const SCHEMA_KEYWORDS = new Set([
  'items', 'additionalItems', 'additionalProperties', 'unevaluatedProperties', 'unevaluatedItems', 'contains',
  'propertyNames', 'not', 'if', 'then', 'else', 'prefixItems', 'allOf', 'anyOf', 'oneOf', 'dependencies',
])

/**
 * A copy of the schema without the checks that can block our event loop: `pattern` and
 * `patternProperties` (the server's regular expressions; ^(a+)+$ stalls on a short input, ReDoS)
 * and `uniqueItems` over non-scalar items (quadratic). Dropping a check only ever accepts more;
 * the server still validates its own input. Where patternProperties goes, `additionalProperties`
 * goes too, or keys it matched would be rejected.
 */
function sanitizeSchema(schema: unknown, depth: number): unknown {
  return isRecord(schema) && depth <= MAX_SCHEMA_DEPTH ? sanitizeObject(schema, depth) : schema
}

function sanitizeObject(schema: Record<string, unknown>, depth: number): Record<string, unknown> {
  const mapSchemas = (value: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, sanitizeSchema(sub, depth + 1)]))
  // Built from entries: a keyword spelled "__proto__" stays a plain property.
  const entries: Array<[string, unknown]> = []
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === 'pattern' || keyword === 'patternProperties') continue
    if (keyword === 'additionalProperties' && 'patternProperties' in schema) continue
    // ajv checks uniqueItems in linear time only for scalar item types; otherwise it compares
    // every pair (a 25,000-item array: ten seconds). The server can check that one itself.
    if (keyword === 'uniqueItems' && !hasScalarItems(schema)) continue
    if (SCHEMA_MAP_KEYWORDS.has(keyword) && isRecord(value)) entries.push([keyword, mapSchemas(value)])
    else if (SCHEMA_KEYWORDS.has(keyword)) {
      if (Array.isArray(value)) entries.push([keyword, value.map((sub) => sanitizeSchema(sub, depth + 1))])
      else if (keyword === 'dependencies' && isRecord(value)) entries.push([keyword, mapSchemas(value)])
      else entries.push([keyword, sanitizeSchema(value, depth + 1)])
    } else entries.push([keyword, value])
  }
  return Object.fromEntries(entries)
}

const SCALAR_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null'])
function hasScalarItems(schema: Record<string, unknown>): boolean {
  const types = isRecord(schema.items) ? schema.items.type : undefined
  const list = Array.isArray(types) ? types : [types]
  return list.length > 0 && list.every((type) => typeof type === 'string' && SCALAR_TYPES.has(type))
}
