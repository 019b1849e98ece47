/**
 * A small JSON Schema (draft-04) checker for the keywords the recorded models and this library's models use:
 * type, required, properties, additionalProperties (false), minProperties, items, minItems, maxItems, oneOf.
 * Any other keyword throws, so a schema it does not understand can never pass by accident.
 */
const KNOWN = new Set(['$schema', 'title', 'description', 'type', 'required', 'properties', 'additionalProperties',
  'minProperties', 'items', 'minItems', 'maxItems', 'oneOf']);

type Schema = Record<string, any>;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function hasType(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  return actual === t || (t === 'number' && actual === 'integer');
}

/** True when `value` (parsed JSON) satisfies `schema`. */
export function satisfies(value: unknown, schema: Schema): boolean {
  for (const k of Object.keys(schema)) {
    if (!KNOWN.has(k)) throw new Error(`json-schema-subset does not implement '${k}'`);
  }
  if (schema.type !== undefined && !(Array.isArray(schema.type) ? schema.type : [schema.type]).some((t: string) => hasType(value, t))) return false;
  if (schema.oneOf !== undefined && (schema.oneOf as Schema[]).filter((s) => satisfies(value, s)).length !== 1) return false;
  if (typeOf(value) === 'object') {
    const o = value as Record<string, unknown>;
    if (schema.required && !(schema.required as string[]).every((k) => k in o)) return false;
    if (schema.minProperties !== undefined && Object.keys(o).length < schema.minProperties) return false;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const [k, v] of Object.entries(o)) {
      if (props[k] && !satisfies(v, props[k])) return false;
      if (!props[k] && schema.additionalProperties === false) return false;
    }
  }
  if (typeOf(value) === 'array') {
    const a = value as unknown[];
    if (schema.minItems !== undefined && a.length < schema.minItems) return false;
    if (schema.maxItems !== undefined && a.length > schema.maxItems) return false;
    if (schema.items && !a.every((x) => satisfies(x, schema.items))) return false;
  }
  return true;
}

/**
 * How a request validator may read a body. 'aws-object': an empty body is validated as `{}` (the way
 * `$input.body` reads it on AWS); 'not-json': an empty body is not JSON and fails every model.
 * (A third reading, "an empty body skips validation", is ruled out by the recordings: a model with required
 * fields refused an empty body.)
 */
export type EmptyBodyValidation = 'aws-object' | 'not-json';

/** True when API Gateway's validator (in the given reading) would let `body` through `schema`. */
export function validatorAccepts(body: string, schema: Schema, reading: EmptyBodyValidation): boolean {
  if (body === '') {
    if (reading === 'not-json') return false;
    return satisfies({}, schema);
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return false;
  }
  return satisfies(value, schema);
}
