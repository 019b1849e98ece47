/**
 * The Collector configuration shipped in docs/senders/otelcol-config.yaml (the file test/e2e/inputs.e2e.test.ts runs):
 * JSON to the API, retries for its 503s, and a batch that always fits Input.otlp()'s loop budget.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { MAX_TEMPLATE_ITERATIONS } from '../../src/private/inputs/packing';

const config = parse(fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'senders', 'otelcol-config.yaml'), 'utf8'));

test('otlphttp sends uncompressed JSON with the API key to the base URL, retrying with a queue', () => {
  expect(config.exporters.otlphttp).toMatchObject({
    endpoint: '${env:API_TO_FIREHOSE_ENDPOINT}',
    encoding: 'json',
    compression: 'none',
    headers: { 'x-api-key': '${env:API_TO_FIREHOSE_API_KEY}' },
    retry_on_failure: { enabled: true },
    sending_queue: { enabled: true },
  });
  for (const signal of ['traces', 'metrics', 'logs']) {
    expect(config.service.pipelines[signal]).toEqual({ receivers: ['otlp'], processors: ['batch'], exporters: ['otlphttp'] });
  }
});

test('the batch fits the loop budget even when each data point is its own metric (2 x (1 + 1 + n) + n)', () => {
  const max = config.processors.batch.send_batch_max_size;
  expect(config.processors.batch.send_batch_size).toBeLessThanOrEqual(max);
  expect(2 * (1 + 1 + max) + max).toBeLessThanOrEqual(MAX_TEMPLATE_ITERATIONS);
  expect(2 * (1 + 1 + max + 1) + max + 1).toBeGreaterThan(MAX_TEMPLATE_ITERATIONS - 100);
});
