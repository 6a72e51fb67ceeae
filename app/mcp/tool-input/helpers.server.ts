import { ellipsize } from '#app/mcp/display-bounds.ts'
import { type EnumOption, type EnumValue, MAX_DEFAULT_TEXT_CHARS } from '#app/mcp/tool-input/spec.ts'

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function isEnumValue(value: unknown): value is EnumValue {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
}

export function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
}

export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
}

export function finiteNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

export function nonNegativeInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined
}

export function optionalClip(text: string | undefined, max: number): string | undefined {
  return text === undefined ? undefined : ellipsize(text, max)
}

export function clipDefault(text: string): string | undefined {
  return text.length <= MAX_DEFAULT_TEXT_CHARS ? text : undefined
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

export function formatCount(value: number): string {
  return new Intl.NumberFormat('en-US').format(value)
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatCount(count)} ${count === 1 ? singular : pluralForm}`
}

export function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

export function findOption(options: EnumOption[], value: unknown): EnumOption | undefined {
  if (!isEnumValue(value)) return undefined
  const json = JSON.stringify(value)
  return options.find((option) => JSON.stringify(option.json) === json)
}
