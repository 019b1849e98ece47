import { App, Stack } from 'aws-cdk-lib';
import { ApiToFirehose, ApiToFirehoseProps, BatchMode } from '../src';
import { batchRequestSchema } from '../src/private/request-shapes';
import { resolveProps } from '../src/private/resolve';

const resolveBatch = (props: ApiToFirehoseProps) => resolveProps(new ApiToFirehose(new Stack(new App(), 'S'), 'I'), props).batch;

describe('batch options', () => {
  test('defaults: enabled, packed, path batch, 500 events', () => {
    expect(resolveBatch({})).toEqual({ pathParts: ['batch'], mode: BatchMode.PACKED, maxEvents: 500 });
    expect(resolveBatch({ batch: { enabled: false } })).toBeUndefined();
  });
  test('modes call the right Firehose action', () => {
    expect(BatchMode.PACKED.firehoseAction).toBe('PutRecord');
    expect(BatchMode.RECORD_PER_EVENT.firehoseAction).toBe('PutRecordBatch');
  });
  test.each<[BatchMode, number, boolean]>([
    [BatchMode.RECORD_PER_EVENT, 500, true],
    [BatchMode.RECORD_PER_EVENT, 501, false],
    [BatchMode.PACKED, 1000, true],
    [BatchMode.PACKED, 1001, false],
    [BatchMode.PACKED, 0, false],
  ])('%s maxEvents %d accepted: %s', (mode, maxEvents, ok) => {
    const run = () => resolveBatch({ batch: { mode, maxEvents } });
    if (ok) expect(run).not.toThrow();
    else expect(run).toThrow(`batch.maxEvents (${mode.name}) must be a whole number between 1 and ${mode.maxEventsLimit}, got ${maxEvents}.`);
  });
  test('request schema: an object with a bounded, non-empty records array of events', () => {
    expect(batchRequestSchema(7, { type: 'object' })).toEqual({
      type: 'object',
      required: ['records'],
      additionalProperties: false,
      properties: { records: { type: 'array', minItems: 1, maxItems: 7, items: { type: 'object' } } },
    });
  });
});
