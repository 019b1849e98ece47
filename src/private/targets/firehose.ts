import { WriteTarget } from './target';
import { putRecordBatchResponses, putRecordResponses } from '../responses';
import { vtlReject } from '../vtl';

/** Firehose Direct PUT: PutRecord and PutRecordBatch on the delivery stream (the default target). */
export const FIREHOSE_TARGET: WriteTarget = {
  service: 'firehose',
  jsonTargetPrefix: 'Firehose_20150804',
  action: (call) => call,
  partitionKey: () => '',
  putRecord: (streamName, data) => `{"DeliveryStreamName":"${streamName}","Record":{"Data":"$util.base64Encode(${data})"}}`,
  putRecordsOpen: (streamName) => `{"DeliveryStreamName":"${streamName}","Records":[`,
  putRecordsEntry: (data) => `{"Data":"$util.base64Encode(${data})"}`,
  putRecordsClose: ']}',
  reject: vtlReject,
  responses: (call) => (call === 'PutRecord' ? putRecordResponses() : putRecordBatchResponses()),
};
