import { App, Duration, Stack, aws_apigateway as apigw, aws_cloudwatch as cloudwatch, aws_s3 as s3, aws_sns as sns } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ApiToFirehose, ApiToFirehoseProps, EnvelopeField, Input, OtlpSignal, RecordEnvelope } from '../../../src';

function synth(props: ApiToFirehoseProps = { inputs: [Input.segment(), Input.otlpLogs()], query: { curated: {} } }) {
  const stack = new Stack(new App(), 'S');
  const c = new ApiToFirehose(stack, 'Ingest', props);
  return { stack, c, t: Template.fromStack(stack) };
}

describe('query.curated: the resources', () => {
  const { stack, c, t } = synth();
  const json = t.toJSON();
  const resources = Object.values<any>(json.Resources);

  test('one Iceberg Glue table per kind of event (own events and each input with one) and the erasure table', () => {
    const iceberg = resources.filter((r) => r.Type === 'AWS::Glue::Table' && r.Properties.OpenTableFormatInput);
    expect(iceberg.map((r) => r.Properties.TableInput.Name).sort())
      .toEqual(['events_curated_erasures', 'events_curated_events', 'events_curated_otlp_logs', 'events_curated_segment']);
    for (const r of iceberg) {
      expect(r.Properties.OpenTableFormatInput.IcebergInput).toMatchObject({ MetadataOperation: 'CREATE', Version: '2' });
      expect(r.DependsOn).toEqual(expect.arrayContaining([stack.getLogicalId(c.glueTable!)]));
    }
    const segment = iceberg.find((r) => r.Properties.TableInput.Name === 'events_curated_segment').Properties.OpenTableFormatInput.IcebergInput.IcebergTableInput;
    const eventTime = segment.Schema.Fields.find((f: any) => f.Name === 'event_time');
    expect(eventTime.Type).toBe('timestamp');
    // Partitioned by the event's own day.
    expect(segment.PartitionSpec.Fields).toEqual([{ Name: 'event_time_day', SourceId: eventTime.Id, Transform: 'day', FieldId: 1000 }]);
    expect(segment.Schema.Fields.map((f: any) => f.Name)).toEqual(expect.arrayContaining(
      ['type', 'event', 'user_id', 'anonymous_id', 'message_id', 'timestamp', 'properties', 'traits', 'context', 'source']));
    const otlp = iceberg.find((r) => r.Properties.TableInput.Name === 'events_curated_otlp_logs').Properties.OpenTableFormatInput.IcebergInput.IcebergTableInput;
    expect(JSON.parse(otlp.Schema.Fields.find((f: any) => f.Name === 'attributes').Type)).toMatchObject({ type: 'map', key: 'string', value: 'string' });
  });

  test('the statements are named queries in the workgroup', () => {
    const names = resources.filter((r) => r.Type === 'AWS::Athena::NamedQuery').map((r) => r.Properties.Name);
    for (const table of ['events_curated_events', 'events_curated_segment', 'events_curated_otlp_logs']) {
      for (const label of ['merge', 'erase a user', 'optimize', 'vacuum', 'create (Athena DDL)']) expect(names).toContain(`${table}: ${label}`);
    }
    expect(names).toContain('events_curated_erasures: record an erasure');
  });

  test('the merge state machine runs every merge one after the other (.sync) and stops before the next run is due', () => {
    const machine = resources.find((r) => r.Type === 'AWS::StepFunctions::StateMachine' && JSON.stringify(r.Properties.DefinitionString).includes('Merge events_curated_segment'));
    const definition = JSON.parse(machine.Properties.DefinitionString['Fn::Join'][1].map((x: any) => (typeof x === 'string' ? x : 'X')).join(''));
    const states = Object.values<any>(definition.States);
    expect(states.map((s) => s.Resource)).toEqual(states.map(() => expect.stringMatching(/:states:::athena:startQueryExecution\.sync$/)));
    expect(definition.TimeoutSeconds).toBe(59 * 60);
    expect(Object.keys(definition.States)).toEqual(['Merge events_curated_events', 'Merge events_curated_segment', 'Merge events_curated_otlp_logs']);
    expect(definition.States['Merge events_curated_events'].Next).toBe('Merge events_curated_segment');
    expect(definition.States['Merge events_curated_segment'].Parameters.QueryString).toMatch(/^MERGE INTO "[a-z0-9_]+"\."events_curated_segment"/);
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 hour)' });
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 day)' });
  });

  test('the erasure machine binds the input\'s userId as the statements\' parameter', () => {
    const machine = resources.find((r) => r.Type === 'AWS::StepFunctions::StateMachine' && JSON.stringify(r.Properties.DefinitionString).includes('Record the erasure'));
    const definition = JSON.parse(machine.Properties.DefinitionString['Fn::Join'][1].map((x: any) => (typeof x === 'string' ? x : 'X')).join(''));
    const states = Object.values<any>(definition.States);
    expect(states).toHaveLength(4);
    for (const s of states) expect(s.Parameters['ExecutionParameters.$']).toBe('States.Array($.userId)');
    expect(states[0].Parameters.QueryString).toMatch(/^INSERT INTO .*"events_curated_erasures"/);
  });

  test('an alarm on failed or timed-out runs', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('curated-table run'),
      Metrics: Match.arrayWith([Match.objectLike({ MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsFailed' }) }) })]),
    });
  });

  test('the alarm is one of the construct\'s alarms', () => {
    expect(c.alarms.map((a) => stack.resolve(a.alarmName))).toContainEqual(stack.resolve(
      (c.node.findChild('CuratedFailedRuns') as cloudwatch.Alarm).alarmName));
  });

  test('the role may run queries in this workgroup only, and update these tables only', () => {
    const role = resources.find((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.PolicyDocument).includes('athena:StartQueryExecution'));
    const statements = role.Properties.PolicyDocument.Statement;
    const athena = statements.find((s: any) => JSON.stringify(s.Action).includes('athena:StartQueryExecution'));
    expect(JSON.stringify(athena.Resource)).toContain(':workgroup/');
    const update = statements.find((s: any) => JSON.stringify(s.Action).includes('glue:UpdateTable'));
    expect(update.Resource).toHaveLength(4);
    expect(JSON.stringify(update.Resource)).not.toContain('table/*');
  });
});

test('Input.otlp(): a table per signal it serves; each reads its own signal\'s lines (spans are never log records)', () => {
  const tables = (signals?: OtlpSignal[]) => {
    const r = Object.values<any>(synth({ inputs: [Input.otlp({ signals })], query: { curated: {} } }).t.toJSON().Resources);
    const merges = Object.fromEntries(r.filter((x) => x.Type === 'AWS::Athena::NamedQuery' && / merge$/.test(x.Properties.Name))
      .map((x) => [x.Properties.Name.replace(/^events_curated_|: merge$/g, ''), x.Properties.QueryString as string]));
    return merges;
  };
  const all = tables();
  expect(Object.keys(all).sort()).toEqual(['events', 'otlp_logs', 'otlp_metrics', 'otlp_spans']);
  expect(all.otlp_logs).toContain('AND "input" = \'otlp\' AND coalesce("signal", \'logs\') = \'logs\'\n');
  expect(all.otlp_spans).toContain('AND "input" = \'otlp\' AND "signal" = \'traces\'\n');
  expect(all.otlp_metrics).toContain('AND "input" = \'otlp\' AND "signal" = \'metrics\'\n');
  expect(Object.keys(tables([OtlpSignal.TRACES])).sort()).toEqual(['events', 'otlp_spans']);
  expect(Object.keys(tables([OtlpSignal.LOGS])).sort()).toEqual(['events', 'otlp_logs']);
});

test('the failed-runs alarm follows monitoring: notifies alarmTopic, and is not made with alarms: false', () => {
  const withTopic = new Stack(new App(), 'S');
  const topic = new sns.Topic(withTopic, 'Topic');
  new ApiToFirehose(withTopic, 'Ingest', { query: { curated: {} }, monitoring: { alarmTopic: topic } });
  Template.fromStack(withTopic).hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmDescription: Match.stringLikeRegexp('curated-table run'),
    AlarmActions: [withTopic.resolve(topic.topicArn)],
    OKActions: [withTopic.resolve(topic.topicArn)],
  });
  const { c, t } = synth({ query: { curated: {} }, monitoring: { alarms: false } });
  expect(c.node.tryFindChild('CuratedFailedRuns')).toBeUndefined();
  t.resourceCountIs('AWS::CloudWatch::Alarm', 0);
});

test('rawRetention expires the raw prefix only (not curated/)', () => {
  const { t } = synth({ query: { curated: { rawRetention: Duration.days(30) } } });
  t.hasResourceProperties('AWS::S3::Bucket', {
    LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'RawRetention', Prefix: 'events/', ExpirationInDays: 30 })]) },
  });
});

describe('query.curated: bad props', () => {
  test.each<[string, ApiToFirehoseProps, string]>([
    ['RAW envelope', { envelope: RecordEnvelope.RAW, eventSchema: { type: apigw.JsonSchemaType.OBJECT, properties: { a: { type: apigw.JsonSchemaType.STRING } } }, query: { curated: {} } },
      'query.curated needs an envelope with a body (the requestId and receivedAt fields): the envelope is RAW.'],
    ['no requestId', { envelope: RecordEnvelope.withFields([EnvelopeField.receivedAt()]), query: { curated: {} } },
      'query.curated needs the envelope field requestId (EnvelopeField.requestId()): it keys events without an id and orders copies.'],
    ['Parquet', { query: { parquet: true, curated: {} } }, 'query.curated reads the JSON Lines table: it cannot be used with query.parquet.'],
    ['lookback too short', { query: { curated: { schedule: Duration.hours(2), lookback: Duration.hours(2) } } },
      'query.curated.lookback must be at least schedule + 1 hour (2 hours + 1 hour), got 2 hours.'],
    ['lookback not whole hours', { query: { curated: { lookback: Duration.minutes(150) } } },
      'query.curated.lookback must be whole hours, at least 1, got 2 hours 30 minutes.'],
    ['schedule too short', { query: { curated: { schedule: Duration.minutes(1) } } }, 'query.curated.schedule must be whole minutes, at least 5, got 1 minute.'],
    ['rawRetention on a given bucket', { bucket: s3.Bucket.fromBucketName(new Stack(), 'B', 'given-bucket'), query: { curated: { rawRetention: Duration.days(3) } } },
      'query.curated.rawRetention sets a lifecycle rule on the bucket this construct creates: expire objects of the bucket you passed with its own rules.'],
    ['rawRetention with the curated prefix', { dataOutputPrefix: 'curated/raw/', query: { curated: { rawRetention: Duration.days(3) } } },
      'query.curated.rawRetention needs a dataOutputPrefix that is not empty and not under curated/ (the curated tables\' objects would expire too), got "curated/raw/".'],
    ['userIdProperty', { query: { curated: { userIdProperty: 'a.b' } } }, 'query.curated.userIdProperty must be a property name (letters, digits, underscores), got "a.b".'],
    ['tablePrefix', { query: { curated: { tablePrefix: 'Curated-' } } }, 'query.curated.tablePrefix must be lowercase letters, digits and underscores, got "Curated-".'],
  ])('%s', (_name, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});
