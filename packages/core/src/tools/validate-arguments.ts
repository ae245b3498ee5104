import { Validator, type Schema } from '@cfworker/json-schema';
import { ConfigError } from '../errors/config-error.js';
import type { ToolParameters } from './tool.js';

/** The outcome of checking a tool call's arguments. */
export type ArgumentsCheck =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly errors: readonly string[] };

/** Checks parsed arguments; sync for JSON schema, maybe async for a Standard Schema. */
export type ArgumentsValidator = (value: unknown) => ArgumentsCheck | Promise<ArgumentsCheck>;

interface StandardProps {
  readonly validate: (value: unknown) => unknown;
  readonly jsonSchema?: { readonly input: (options: { readonly target: string }) => Record<string, unknown> };
}

interface StandardResult {
  readonly value?: unknown;
  readonly issues?: readonly { readonly message: string; readonly path?: readonly unknown[] }[];
}

function standardProps(parameters: ToolParameters): StandardProps | undefined {
  const props = (parameters as { '~standard'?: StandardProps })['~standard'];
  return typeof props === 'object' && props !== null && typeof props.validate === 'function' ? props : undefined;
}

/**
 * The JSON schema the model sees. A Standard Schema (zod 4, valibot, arktype) must be able to
 * describe itself (`~standard.jsonSchema`, or zod's `toJSONSchema()`); otherwise → ConfigError.
 */
export function toolJsonSchema(toolName: string, parameters: ToolParameters): Record<string, unknown> {
  const standard = standardProps(parameters);
  if (!standard) return parameters as Record<string, unknown>;
  let schema: Record<string, unknown> | undefined;
  if (standard.jsonSchema) schema = standard.jsonSchema.input({ target: 'draft-2020-12' });
  else {
    const own = (parameters as { toJSONSchema?: () => Record<string, unknown> }).toJSONSchema;
    if (typeof own === 'function') schema = own.call(parameters);
  }
  if (!schema) {
    throw new ConfigError('tools', `tool "${toolName}": its parameter schema cannot be converted to JSON schema`);
  }
  const { $schema: _ignored, ...rest } = schema;
  return rest;
}

/**
 * A validator for a tool's parameters. JSON schemas are checked with @cfworker/json-schema
 * (drafts 4 – 2020-12, no code generation, no dependencies); Standard Schemas with their own
 * `validate`. A failing check lists readable errors that go back to the model.
 */
export function createArgumentsValidator(parameters: ToolParameters): ArgumentsValidator {
  const standard = standardProps(parameters);
  if (standard) {
    const fromResult = (result: StandardResult): ArgumentsCheck =>
      result.issues
        ? { ok: false, errors: result.issues.map((i) => `${formatPath(i.path)}${i.message}`) }
        : { ok: true, value: result.value };
    return (value) => {
      const result = standard.validate(value) as StandardResult | Promise<StandardResult>;
      return result instanceof Promise ? result.then(fromResult) : fromResult(result);
    };
  }
  const validator = new Validator(parameters as Schema, '2020-12', false);
  return (value) => {
    const result = validator.validate(value);
    if (result.valid) return { ok: true, value };
    // Leaf errors only: the wrapping "properties" / "allOf" errors repeat them.
    const errors = result.errors
      .filter((e) => !['properties', 'allOf', 'items', '$ref'].includes(e.keyword) || result.errors.length === 1)
      .map((e) => `${e.instanceLocation.replace(/^#\/?/, '') || 'arguments'}: ${e.error}`);
    return { ok: false, errors: errors.length > 0 ? errors : ['arguments do not match the schema'] };
  };
}

function formatPath(path: readonly unknown[] | undefined): string {
  if (!path || path.length === 0) return '';
  const keys = path.map((p) => (typeof p === 'object' && p !== null && 'key' in p ? String(p.key) : String(p)));
  return `${keys.join('.')}: `;
}
