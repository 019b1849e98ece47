import { aws_apigateway as apigw } from 'aws-cdk-lib';
import { glueColumnName, glueType } from '../../src/private/glue-schema';

const T = apigw.JsonSchemaType;

describe('JSON Schema to Glue types', () => {
  test.each<[string, apigw.JsonSchema, string]>([
    ['string', { type: T.STRING }, 'string'],
    ['integer', { type: T.INTEGER }, 'bigint'],
    ['number', { type: T.NUMBER }, 'double'],
    ['boolean', { type: T.BOOLEAN }, 'boolean'],
    ['nullable integer', { type: [T.INTEGER, T.NULL] }, 'bigint'],
    ['several types', { type: [T.INTEGER, T.STRING] }, 'string'],
    ['no type', {}, 'string'],
    ['$ref', { ref: '#/definitions/x' }, 'string'],
    ['oneOf', { oneOf: [{ type: T.STRING }, { type: T.INTEGER }] }, 'string'],
    ['object without properties', { type: T.OBJECT, minProperties: 1 }, 'string'],
    ['object open to other keys', { type: T.OBJECT, properties: { a: { type: T.STRING } }, additionalProperties: true }, 'string'],
    ['map', { type: T.OBJECT, additionalProperties: { type: T.NUMBER } }, 'map<string,double>'],
    ['array of integers', { type: T.ARRAY, items: { type: T.INTEGER } }, 'array<bigint>'],
    ['array without items', { type: T.ARRAY }, 'array<string>'],
    ['tuple', { type: T.ARRAY, items: [{ type: T.STRING }, { type: T.INTEGER }] }, 'array<string>'],
    ['struct, names lowercased', { type: T.OBJECT, properties: { userId: { type: T.STRING }, n: { type: T.INTEGER } } }, 'struct<userid:string,n:bigint>'],
    ['properties imply an object', { properties: { a: { type: T.BOOLEAN } } }, 'struct<a:boolean>'],
    ['items imply an array', { items: { type: T.STRING } }, 'array<string>'],
    ['a key that is not an identifier', { type: T.OBJECT, properties: { 'user-name': { type: T.STRING } } }, 'string'],
    ['keys that clash once lowercased', { type: T.OBJECT, properties: { a: { type: T.STRING }, A: { type: T.STRING } } }, 'string'],
  ])('%s', (_name, schema, expected) => {
    expect(glueType(schema)).toBe(expected);
  });

  test('nested objects and arrays', () => {
    expect(glueType({
      type: T.OBJECT,
      required: ['name'],
      properties: {
        name: { type: T.STRING },
        page: { type: T.OBJECT, properties: { url: { type: T.STRING }, ms: { type: T.NUMBER } } },
        tags: { type: T.ARRAY, items: { type: T.STRING } },
        items: { type: T.ARRAY, items: { type: T.OBJECT, properties: { sku: { type: T.STRING }, qty: { type: T.INTEGER } } } },
        extra: { type: T.OBJECT },
      },
    })).toBe('struct<name:string,page:struct<url:string,ms:double>,tags:array<string>,items:array<struct<sku:string,qty:bigint>>,extra:string>');
  });

  test.each([['receivedAt', 'receivedat'], ['_x1', '_x1'], ['1x', undefined], ['a b', undefined], ['a.b', undefined]])(
    'column name of %s', (key, expected) => {
      expect(glueColumnName(key)).toBe(expected);
    });
});
