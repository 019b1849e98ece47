import { formatDate, partitionLayout } from '../../src/private/projection';
import { partitionedPrefix } from '../../src/private/resolve';

describe('partition layout from the Firehose prefix', () => {
  test('a plain prefix: Firehose appends YYYY/MM/dd/HH/, one hourly dt partition', () => {
    expect(partitionLayout('events/')).toEqual({
      locationPrefix: 'events/',
      template: 'events/${dt}/',
      columns: [{ name: 'dt', kind: 'date', format: 'yyyy/MM/dd/HH', intervalUnit: 'HOURS' }],
    });
  });

  test('one timestamp expression', () => {
    expect(partitionLayout('data/!{timestamp:yyyy/MM/dd}/')).toEqual({
      locationPrefix: 'data/',
      template: 'data/${dt}/',
      columns: [{ name: 'dt', kind: 'date', format: 'yyyy/MM/dd', intervalUnit: 'DAYS' }],
    });
  });

  test('Hive-style expressions become one dt with the literal text quoted', () => {
    const layout = partitionLayout('data/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/');
    expect(layout.template).toBe('data/year=${dt}/');
    expect(layout.columns).toEqual([{ name: 'dt', kind: 'date', format: 'yyyy\'/month=\'MM\'/day=\'dd\'/hour=\'HH', intervalUnit: 'HOURS' }]);
    expect(formatDate(layout.columns[0].format!, new Date(Date.UTC(2026, 0, 5, 7)))).toBe('2026/month=01/day=05/hour=07');
  });

  test('quoted literals inside an expression', () => {
    const layout = partitionLayout('d/!{timestamp:yyyy\'-\'MM\'-\'dd}/h=!{timestamp:HH}/');
    expect(layout.columns[0].format).toBe('yyyy-MM-dd\'/h=\'HH');
    expect(formatDate(layout.columns[0].format!, new Date(Date.UTC(2026, 11, 31, 23)))).toBe('2026-12-31/h=23');
  });

  test('a partition key before the time: a key column, then dt', () => {
    expect(partitionLayout('events/apiKeyId=!{partitionKeyFromQuery:apiKeyId}/!{timestamp:yyyy/MM/dd/HH}/')).toEqual({
      locationPrefix: 'events/',
      template: 'events/apiKeyId=${apikeyid}/${dt}/',
      columns: [
        { name: 'apikeyid', kind: 'key', key: 'apiKeyId' },
        { name: 'dt', kind: 'date', format: 'yyyy/MM/dd/HH', intervalUnit: 'HOURS' },
      ],
    });
  });

  test('the default prefix with partitionByField: the key, then the hours as the plain default writes them', () => {
    const prefix = partitionedPrefix('tenant');
    expect(prefix).toBe('events/tenant=!{partitionKeyFromQuery:tenant}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/');
    const layout = partitionLayout(prefix);
    expect(layout).toEqual({
      locationPrefix: 'events/',
      template: 'events/tenant=${tenant}/${dt}/',
      columns: [
        { name: 'tenant', kind: 'key', key: 'tenant' },
        { name: 'dt', kind: 'date', format: 'yyyy/MM/dd/HH', intervalUnit: 'HOURS' },
      ],
    });
    // The same dt values as the plain default's path (Firehose's YYYY/MM/dd/HH/), so queries and docs carry over.
    expect(layout.columns[1].format).toBe(partitionLayout('events/').columns[0].format);
  });

  test('a partition key without time: no dt (Firehose adds its time path only to plain prefixes)', () => {
    expect(partitionLayout('events/tenant=!{partitionKeyFromQuery:tenant}/')).toEqual({
      locationPrefix: 'events/',
      template: 'events/tenant=${tenant}/',
      columns: [{ name: 'tenant', kind: 'key', key: 'tenant' }],
    });
  });

  test.each<[string, string]>([
    ['e/!{firehose:random-string}/', 'query cannot project the dataOutputPrefix \'e/!{firehose:random-string}/\': !{firehose:random-string} puts an unpredictable path in each key.'],
    ['e/!{timestamp:yyyy/MM/dd}', 'query needs a dataOutputPrefix that ends with \'/\' when it uses expressions (each partition is a folder), got \'e/!{timestamp:yyyy/MM/dd}\'.'],
    ['e/!{timestamp:dd/MM/yyyy}/', 'query needs the !{timestamp:...} fields of dataOutputPrefix to run from year to at least day in order, as yyyy, MM, dd, HH, mm, ss (so that partitions sort as time does), got dd, MM, yyyy in \'e/!{timestamp:dd/MM/yyyy}/\'.'],
    ['e/!{timestamp:yyyy/MM}/', 'query needs the !{timestamp:...} fields of dataOutputPrefix to run from year to at least day in order, as yyyy, MM, dd, HH, mm, ss (so that partitions sort as time does), got yyyy, MM in \'e/!{timestamp:yyyy/MM}/\'.'],
    ['e/!{timestamp:yyyy/MMM/dd}/', 'query needs the !{timestamp:...} fields of dataOutputPrefix to run from year to at least day in order, as yyyy, MM, dd, HH, mm, ss (so that partitions sort as time does), got yyyy, MMM, dd in \'e/!{timestamp:yyyy/MMM/dd}/\'.'],
    ['e/!{timestamp:yyyy}/k=!{partitionKeyFromQuery:k}/!{timestamp:MM/dd}/', 'query needs the !{timestamp:...} expressions of dataOutputPrefix together, got !{partitionKeyFromQuery:k} between them in \'e/!{timestamp:yyyy}/k=!{partitionKeyFromQuery:k}/!{timestamp:MM/dd}/\'.'],
    ['e/!{timestamp:yyyy[MM]dd}/', 'query cannot project the date pattern \'yyyy[MM]dd\': \'[\' is reserved in Java date patterns.'],
  ])('refused: %s', (prefix, message) => {
    expect(() => partitionLayout(prefix)).toThrow(message);
  });
});

test('formatDate pads fixed-width fields in UTC', () => {
  expect(formatDate('yyyy/MM/dd/HH', new Date(Date.UTC(2025, 0, 1, 0)))).toBe('2025/01/01/00');
  expect(formatDate('yyyyMMddHHmmss', new Date(Date.UTC(2026, 8, 9, 4, 5, 6)))).toBe('20260909040506');
});
