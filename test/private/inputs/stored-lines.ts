import { REJECT_MARKER } from '../../../src/private/vtl';
import { SECRET } from '../../vtl/checker';
import { RenderResult, decodeFirehoseRequest } from '../../vtl/harness';

/**
 * The lines an input's template stored: the render succeeded, wrote one PutRecord to the real stream within
 * Firehose's limits, and no output or line holds the API key value. Shared by the inputs' template tests.
 */
export function storedLines(r: RenderResult): Record<string, any>[] {
  expect(r.error).toBeNull();
  const decoded = decodeFirehoseRequest(r.output);
  expect(decoded.kind).toBe('PutRecord');
  expect(decoded.streamName).not.toContain(REJECT_MARKER);
  expect(decoded.violations).toEqual([]);
  for (const text of [r.output, ...decoded.lines]) expect(text).not.toContain(SECRET);
  return decoded.events as Record<string, any>[];
}
