import { aws_apigateway as apigw } from 'aws-cdk-lib';

/**
 * JSON Schema (draft-04, as API Gateway models take it) to Glue/Hive column
 * types, for a table read with the OpenX JSON SerDe.
 *
 * - string, integer, number, boolean become string, bigint, double, boolean;
 * - an object with `properties` becomes `struct<...>` (field names lowercased, as the SerDe matches keys
 *   case-insensitively); keys the schema does not declare are not read;
 * - an object whose `additionalProperties` is a schema and that has no `properties` becomes `map<string,T>`;
 * - an array becomes `array<T>` of its `items` schema;
 * - anything else (no type, several types, `$ref`, `oneOf`/`anyOf`/`allOf`, an object with no properties or
 *   open to other keys, struct field names that are not plain identifiers or that clash once lowercased)
 *   becomes `string`: the SerDe gives the value's JSON text.
 */
export function glueType(schema: apigw.JsonSchema | undefined): string {
  if (!schema || schema.ref || schema.oneOf || schema.anyOf || schema.allOf || schema.not) return 'string';
  const type = singleType(schema);
  switch (type) {
    case apigw.JsonSchemaType.STRING: return 'string';
    case apigw.JsonSchemaType.INTEGER: return 'bigint';
    case apigw.JsonSchemaType.NUMBER: return 'double';
    case apigw.JsonSchemaType.BOOLEAN: return 'boolean';
    case apigw.JsonSchemaType.OBJECT: return objectType(schema);
    case apigw.JsonSchemaType.ARRAY: return `array<${Array.isArray(schema.items) ? 'string' : glueType(schema.items)}>`;
    default: return 'string';
  }
}

/** A Glue column name for a JSON key: the key lowercased, if it is a plain identifier. */
export function glueColumnName(key: string): string | undefined {
  return IDENTIFIER.test(key) ? key.toLowerCase() : undefined;
}

/** Lowercase letters, digits and underscores, not starting with a digit: what Glue, Athena and Hive type strings take. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** The one non-null type of a schema (inferred from `properties` or `items` when `type` is absent). */
function singleType(schema: apigw.JsonSchema): apigw.JsonSchemaType | undefined {
  const types = schema.type === undefined ? [] : [schema.type].flat().filter((t) => t !== apigw.JsonSchemaType.NULL);
  if (types.length === 1) return types[0];
  if (types.length > 1) return undefined;
  if (schema.properties) return apigw.JsonSchemaType.OBJECT;
  if (schema.items) return apigw.JsonSchemaType.ARRAY;
  return undefined;
}

function objectType(schema: apigw.JsonSchema): string {
  const properties = Object.entries(schema.properties ?? {});
  const extra = schema.additionalProperties;
  if (properties.length === 0) {
    return typeof extra === 'object' ? `map<string,${glueType(extra)}>` : 'string';
  }
  if (extra === true || typeof extra === 'object') return 'string';
  const fields = properties.map(([key, value]) => ({ name: glueColumnName(key), type: glueType(value) }));
  const names = fields.map((f) => f.name);
  if (names.some((n) => n === undefined) || new Set(names).size !== names.length) return 'string';
  return `struct<${fields.map((f) => `${f.name}:${f.type}`).join(',')}>`;
}
