import { ConfigError } from '../errors/config-error.js';
import { didYouMean } from '../util/did-you-mean.js';

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);
/** JSON-schema keywords (2020-12 and draft-07), for spotting misspelt ones. */
const KEYWORDS = new Set([
  '$schema', '$id', '$ref', '$defs', '$comment', '$anchor', '$dynamicRef', '$dynamicAnchor', 'definitions',
  'type', 'enum', 'const', 'title', 'description', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly',
  'properties', 'required', 'additionalProperties', 'patternProperties', 'propertyNames', 'minProperties', 'maxProperties',
  'dependentRequired', 'dependentSchemas', 'unevaluatedProperties', 'unevaluatedItems',
  'items', 'prefixItems', 'additionalItems', 'contains', 'minContains', 'maxContains', 'minItems', 'maxItems', 'uniqueItems',
  'minLength', 'maxLength', 'pattern', 'format', 'contentEncoding', 'contentMediaType',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else',
  // draft-04/07 and OpenAPI spellings that tools also carry
  'id', 'dependencies', '$recursiveRef', '$recursiveAnchor', '$vocabulary', 'nullable', 'example', 'discriminator', 'xml', 'externalDocs',
]);
const SCHEMA_ARRAYS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'] as const;
const SCHEMA_VALUES = ['not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedItems', 'unevaluatedProperties', 'additionalItems'] as const;
const SCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'] as const;

/**
 * Checks a tool's JSON-schema `parameters` the way the model and the argument validator will read
 * them, so a broken schema fails at `phone.agent()` instead of mid-call: an object schema at the
 * top (`{}` for no arguments), known type names, `properties` of schemas, `required` an array of declared properties,
 * well-formed `items`/`enum`/combinators, and no misspelt keyword (`propertes`, `requried`).
 * Throws `ConfigError('tools')` with the tool name and the path of the problem.
 */
export function checkToolSchema(toolName: string, parameters: Record<string, unknown>): void {
  const fail = (path: string, message: string): never => {
    throw new ConfigError('tools', `tool "${toolName}": ${path} ${message}`);
  };
  if (parameters.type !== undefined && parameters.type !== 'object') {
    fail('parameters.type', `must be "object" (a tool takes an object of named arguments), got ${JSON.stringify(parameters.type)}`);
  }
  // `{ city: { type: 'string' } }`: the properties without their wrapper.
  const bare = Object.keys(parameters).filter((key) => !KEYWORDS.has(key) && isObject(parameters[key]) && 'type' in (parameters[key] as object));
  if (bare.length > 0) {
    fail('parameters', `has "${bare[0]}" at the top: arguments go in { type: 'object', properties: { ${bare[0]}: … } }`);
  }
  checkNode(parameters, 'parameters', fail);
}

type Fail = (path: string, message: string) => never;

function checkNode(node: unknown, path: string, fail: Fail): void {
  if (typeof node === 'boolean') return;
  if (!isObject(node)) return fail(path, 'must be a schema object');
  for (const key of Object.keys(node)) {
    // Short unknown keys are left alone: too many look like a keyword by accident.
    if (KEYWORDS.has(key) || key.startsWith('x-') || key.length < 5) continue;
    const meant = didYouMean(key, KEYWORDS);
    if (meant !== undefined) fail(`${path}.${key}`, `is not a JSON-schema keyword; did you mean ${meant}?`);
  }
  const { type } = node;
  if (type !== undefined) {
    const types = Array.isArray(type) ? type : [type];
    for (const entry of types) {
      if (typeof entry !== 'string' || !TYPES.has(entry)) {
        fail(`${path}.type`, `${JSON.stringify(entry)} is not a JSON-schema type (${[...TYPES].join(', ')})`);
      }
    }
  }
  for (const key of SCHEMA_MAPS) {
    const map = node[key];
    if (map === undefined) continue;
    if (!isObject(map)) fail(`${path}.${key}`, 'must be an object of schemas');
    for (const [name, child] of Object.entries(map as Record<string, unknown>)) checkNode(child, `${path}.${key}.${name}`, fail);
  }
  const { required, properties } = node;
  if (required !== undefined) {
    if (!Array.isArray(required) || required.some((entry) => typeof entry !== 'string')) {
      fail(`${path}.required`, 'must be an array of property names (not `required: true` on a property)');
    }
    if (isObject(properties)) {
      for (const name of required as string[]) {
        if (!(name in properties)) fail(`${path}.required`, `names "${name}", which is not in properties`);
      }
    }
  }
  const { items } = node;
  if (items !== undefined) {
    if (Array.isArray(items)) items.forEach((child, index) => checkNode(child, `${path}.items[${index}]`, fail));
    else checkNode(items, `${path}.items`, fail);
  }
  for (const key of SCHEMA_ARRAYS) {
    const list = node[key];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length === 0) fail(`${path}.${key}`, 'must be a non-empty array of schemas');
    (list as unknown[]).forEach((child, index) => checkNode(child, `${path}.${key}[${index}]`, fail));
  }
  for (const key of SCHEMA_VALUES) if (node[key] !== undefined) checkNode(node[key], `${path}.${key}`, fail);
  const { additionalProperties } = node;
  if (additionalProperties !== undefined) checkNode(additionalProperties, `${path}.additionalProperties`, fail);
  if (node.enum !== undefined && (!Array.isArray(node.enum) || node.enum.length === 0)) fail(`${path}.enum`, 'must be a non-empty array');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
