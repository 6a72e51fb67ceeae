import type { JsonSchemaType, JsonSchemaValidator, jsonSchemaValidator } from '@modelcontextprotocol/client'
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/client/validators/ajv'
import { nestsDeeperThan } from '#app/mcp/display-bounds.ts'
import { MAX_SCHEMA_DEPTH } from '#app/mcp/tool-input/spec.ts'

/*
 * The SDK client compiles every tool's `outputSchema` when it lists tools (Client.cacheToolMetadata)
 * and checks structured content against it on each call. A hostile server's outputSchema nested a
 * few thousand levels deep makes ajv overflow the stack inside `listTools`, so one tool would take
 * the whole server's tool list down. Such schemas are not compiled here.
 */

/** Deeper output schemas are not used: the input schemas' limit. */
const MAX_OUTPUT_SCHEMA_DEPTH = MAX_SCHEMA_DEPTH

/**
 * The SDK's ajv validator, except that an output schema too deep to compile safely, or one ajv
 * cannot compile, checks nothing. NOTE: this fails open on purpose: the output schema only helps
 * the client read the result, and Switchboard shows any result bounded (mcp/tool-display.server.ts),
 * so a schema it cannot use must not make the tool unusable.
 */
export class BoundedJsonSchemaValidator implements jsonSchemaValidator {
  private readonly ajv = new AjvJsonSchemaValidator()

  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    // The empty schema accepts every value.
    if (nestsDeeperThan(schema, MAX_OUTPUT_SCHEMA_DEPTH)) return this.ajv.getValidator<T>({})
    try {
      return this.ajv.getValidator<T>(schema)
    } catch {
      return this.ajv.getValidator<T>({})
    }
  }
}
