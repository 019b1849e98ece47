import { WriteTarget } from './target';
import { putRecordBatchResponses, putRecordResponses } from '../responses';
import { vtlReject } from '../vtl';

/** Firehose Direct PUT: PutRecord and PutRecordBatch on the delivery stream (the default target). */
export const FIREHOSE_TARGET: WriteTarget = {
  service: 'firehose',
  jsonTargetPrefix: 'Firehose_20150804',
  action: (call) => call,
  partitionKey: () => '',
  putRecord: (streamName, data) => FIREHOSE_TARGET.putEncodedRecord(streamName, `$util.base64Encode(${data})`),
  putEncodedRecord: (streamName, base64) => `{"DeliveryStreamName":"${streamName}","Record":{"Data":"${base64}"}}`,
  putRecordsOpen: (streamName) => `{"DeliveryStreamName":"${streamName}","Records":[`,
  putRecordsEntry: (data) => `{"Data":"$util.base64Encode(${data})"}`,
  putRecordsClose: ']}',
  reject: vtlReject,
  responses: (call, extraRefusals = []) => (call === 'PutRecord' ? putRecordResponses(extraRefusals) : putRecordBatchResponses(extraRefusals)),
  confirmation: { idPath: '$.RecordId', unexpectedCode: 'UnexpectedFirehoseResponse', service: 'Firehose' },
};
