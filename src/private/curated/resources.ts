/**
 * The curated layer's AWS resources: the Iceberg tables in the Glue catalog (created by CloudFormation), the
 * statements as Athena named queries, a state machine per job (merge, upkeep, erasure) running them one at a time
 * with Athena StartQueryExecution (.sync), schedules for merge and upkeep, an alarm on failed runs, and one least-
 * privilege role for the three machines.
 */
import {
  Aws, CfnResource, Duration, Stack, aws_athena as athena, aws_cloudwatch as cloudwatch, aws_cloudwatch_actions as cwActions,
  aws_events as events, aws_events_targets as targets, aws_glue as glue, aws_iam as iam, aws_kms as kms, aws_s3 as s3,
  aws_sns as sns, aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ERASURE_COLUMNS } from './ddl';
import { CuratedColumn, CuratedType, EVENT_TIME_COLUMN } from './kind';
import { CuratedPlan, CuratedSettings } from './plan';
import { acknowledge, nagFindingId } from '../nag';

export interface CuratedResourcesProps {
  readonly plan: CuratedPlan;
  readonly settings: CuratedSettings;
  readonly databaseName: string;
  /** The raw (events) table, which the MERGE reads. */
  readonly rawTable: glue.CfnTable;
  readonly rawTableName: string;
  readonly rawPrefix: string;
  readonly bucket: s3.IBucket;
  readonly workGroupName: string;
  readonly workGroup: athena.CfnWorkGroup;
  readonly resultsBucket: s3.IBucket;
  /** The key of the events and results buckets, when customer-managed. */
  readonly encryptionKey?: kms.IKey;
  /** The construct's monitoring settings: the failed-runs alarm follows `alarms` and notifies `alarmTopic`. */
  readonly monitoring: { readonly alarms: boolean; readonly alarmTopic?: sns.ITopic };
}

export interface CuratedResources {
  readonly tables: glue.CfnTable[];
  readonly namedQueries: athena.CfnNamedQuery[];
  readonly mergeStateMachine: sfn.StateMachine;
  readonly upkeepStateMachine: sfn.StateMachine;
  readonly erasureStateMachine: sfn.StateMachine;
  /** The alarm on failed or timed-out runs (none when monitoring.alarms is false). */
  readonly alarm?: cloudwatch.Alarm;
}

export function createCurated(scope: Construct, p: CuratedResourcesProps): CuratedResources {
  const { plan, settings: s } = p;
  const all = [
    ...plan.tables.map((t) => ({ id: t.kind.id, name: t.tableName, location: t.location, columns: t.kind.columns, partition: EVENT_TIME_COLUMN })),
    { id: 'erasures', name: plan.erasures.tableName, location: plan.erasures.location, columns: ERASURE_COLUMNS, partition: undefined },
  ];
  const tables = all.map((t) => {
    const table = new glue.CfnTable(scope, `Curated${pascal(t.id)}Table`, {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: p.databaseName,
      openTableFormatInput: {
        icebergInput: {
          metadataOperation: 'CREATE',
          version: '2',
          icebergTableInput: {
            location: t.location,
            schema: icebergSchema(t.columns),
            partitionSpec: t.partition ? {
              specId: 0,
              fields: [{ name: `${t.partition}_day`, sourceId: t.columns.findIndex((c) => c.name === t.partition) + 1, transform: 'day', fieldId: 1000 }],
            } : undefined,
            properties: {
              'write.format.default': 'parquet',
              'write.parquet.compression-codec': 'zstd',
              // Athena's VACUUM expires the snapshots older than this.
              'vacuum_max_snapshot_age_seconds': String(s.snapshotRetention.toSeconds()),
            },
          },
        },
      },
      tableInput: {
        name: t.name,
        description: `Curated (Iceberg) table kept by cdk-api-to-firehose from ${p.rawTableName}`,
        tableType: 'EXTERNAL_TABLE',
        storageDescriptor: {
          location: t.location,
          columns: t.columns.map((c) => ({ name: c.name, type: glueType(c.type), comment: c.comment })),
        },
      },
    });
    table.addDependency(p.rawTable);
    return table;
  });

  const named = (id: string, table: string, label: string, description: string, sql: string) => {
    const q = new athena.CfnNamedQuery(scope, id, {
      name: `${table}: ${label}`, description, database: p.databaseName, queryString: sql, workGroup: p.workGroup.ref,
    });
    q.addDependency(p.rawTable);
    return q;
  };
  const namedQueries = [
    ...plan.tables.flatMap((t) => {
      const id = `Curated${pascal(t.kind.id)}`;
      return [
        named(`${id}Merge`, t.tableName, 'merge', `Merges the last ${s.lookback.toHours()} hours of raw lines into ${t.tableName}, one row per event`, t.merge),
        named(`${id}Erase`, t.tableName, 'erase a user', `Deletes the events of the user id given as the parameter from ${t.tableName}`, t.erase),
        named(`${id}Optimize`, t.tableName, 'optimize', `Compacts ${t.tableName}'s small files`, t.optimize),
        named(`${id}Vacuum`, t.tableName, 'vacuum', `Expires ${t.tableName}'s snapshots older than ${s.snapshotRetention.toDays()} days`, t.vacuum),
        named(`${id}Create`, t.tableName, 'create (Athena DDL)', `Creates ${t.tableName} as CloudFormation does, to re-create it by hand`, t.createTable),
      ];
    }),
    named('CuratedErasuresRecord', plan.erasures.tableName, 'record an erasure',
      'Records the user id given as the parameter: no later merge brings their events back', plan.erasures.record),
  ];

  // One role for the three machines: these statements, in this workgroup, on these tables.
  const role = new iam.Role(scope, 'CuratedRole', {
    assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
    description: 'Runs the curated tables\' statements in one Athena workgroup',
  });
  const stack = Stack.of(scope);
  const glueArn = (resource: string, resourceName?: string) => stack.formatArn({ service: 'glue', resource, resourceName });
  role.addToPolicy(new iam.PolicyStatement({
    actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution'],
    resources: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: p.workGroupName })],
  }));
  role.addToPolicy(new iam.PolicyStatement({
    actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions'],
    resources: [glueArn('catalog'), glueArn('database', p.databaseName), glueArn('table', `${p.databaseName}/${p.rawTableName}`)],
  }));
  role.addToPolicy(new iam.PolicyStatement({
    actions: ['glue:GetTable', 'glue:UpdateTable'],
    resources: all.map((t) => glueArn('table', `${p.databaseName}/${t.name}`)),
  }));
  const rawObjects = p.bucket.arnForObjects(`${p.rawPrefix}*`);
  const curatedObjects = p.bucket.arnForObjects('curated/*');
  const results = p.resultsBucket.arnForObjects('*');
  role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [rawObjects] }));
  role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'], resources: [curatedObjects, results] }));
  role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [p.bucket.bucketArn, p.resultsBucket.bucketArn] }));
  if (p.encryptionKey) {
    role.addToPolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [p.encryptionKey.keyArn] }));
  }
  const policy = role.node.findChild('DefaultPolicy');
  for (const [arn, why] of [
    [rawObjects, 'the raw lines, read by the MERGE (objects named by Firehose)'],
    [curatedObjects, 'the curated tables\' Iceberg data and metadata files (named by the engine)'],
    [results, 'Athena\'s query results (named by Athena)'],
    ['*', 'X-Ray tracing of the state machines (xray:PutTraceSegments and friends take no resource)'],
  ]) {
    acknowledge(policy, nagFindingId('AwsSolutions-IAM5', 'Resource', scope, arn), `Object wildcard: ${why}.`);
  }

  const query = (name: string, sql: string, parameters?: string): sfn.IChainable => new sfn.CustomState(scope, name, {
    stateJson: {
      Type: 'Task',
      Resource: `arn:${Aws.PARTITION}:states:::athena:startQueryExecution.sync`,
      Parameters: {
        QueryString: sql,
        WorkGroup: p.workGroupName,
        QueryExecutionContext: { Database: p.databaseName },
        ...(parameters ? { 'ExecutionParameters.$': parameters } : {}),
      },
      // Iceberg commits that meet a concurrent commit (an erasure beside a merge) fail and are retried.
      Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 30, MaxAttempts: 2, BackoffRate: 2 }],
      ResultPath: null,
    },
  });
  const chain = (states: sfn.IChainable[]) => states.slice(1).reduce((c: sfn.Chain, st) => c.next(st), sfn.Chain.start(states[0]));

  // A merge run stops before the next is due: merges never run twice at once.
  const mergeStateMachine = new sfn.StateMachine(scope, 'CuratedMerge', {
    comment: 'Merges the newest raw partitions into the curated tables, one statement at a time',
    definitionBody: sfn.DefinitionBody.fromChainable(chain(plan.tables.map((t) => query(`Merge ${t.tableName}`, t.merge)))),
    role,
    timeout: s.schedule.minus(Duration.minutes(1)),
    tracingEnabled: true,
  });
  const upkeepStateMachine = new sfn.StateMachine(scope, 'CuratedUpkeep', {
    comment: 'Compacts the curated tables and expires their old snapshots',
    definitionBody: sfn.DefinitionBody.fromChainable(chain(plan.tables.flatMap((t) => [
      query(`Optimize ${t.tableName}`, t.optimize), query(`Vacuum ${t.tableName}`, t.vacuum),
    ]))),
    role,
    timeout: Duration.hours(6),
    tracingEnabled: true,
  });
  // Input: {"userId": "..."}.
  const erasureStateMachine = new sfn.StateMachine(scope, 'CuratedErasure', {
    comment: 'Erases one user ({"userId": "..."}) from every curated table, and keeps them out of later merges',
    definitionBody: sfn.DefinitionBody.fromChainable(chain([
      query('Record the erasure', plan.erasures.record, 'States.Array($.userId)'),
      ...plan.tables.map((t) => query(`Erase from ${t.tableName}`, t.erase, 'States.Array($.userId)')),
    ])),
    role,
    timeout: Duration.hours(2),
    tracingEnabled: true,
  });
  for (const m of [mergeStateMachine, upkeepStateMachine, erasureStateMachine]) {
    // The machine depends on the role through its RoleArn already; keep the policy dependency only (cfn-lint W3005).
    const cfn = m.node.defaultChild as sfn.CfnStateMachine;
    cfn.addOverride('DependsOn', [stack.getLogicalId(policy.node.defaultChild as CfnResource)]);
    acknowledge(m, 'AwsSolutions-SF1',
      'Each run\'s statements and their outcome are in Athena\'s query history; failed runs alarm (CuratedFailedRuns).');
  }

  new events.Rule(scope, 'CuratedMergeSchedule', {
    description: 'Starts the curated tables\' merge',
    schedule: events.Schedule.rate(s.schedule),
    targets: [new targets.SfnStateMachine(mergeStateMachine)],
  });
  new events.Rule(scope, 'CuratedUpkeepSchedule', {
    description: 'Starts the curated tables\' compaction and snapshot expiry',
    schedule: events.Schedule.rate(s.upkeepSchedule),
    targets: [new targets.SfnStateMachine(upkeepStateMachine)],
  });

  const machines = [mergeStateMachine, upkeepStateMachine, erasureStateMachine];
  const alarm = p.monitoring.alarms ? failedRunsAlarm(scope, machines, p.monitoring.alarmTopic) : undefined;
  return { tables, namedQueries, mergeStateMachine, upkeepStateMachine, erasureStateMachine, alarm };
}

/** An alarm when a run of any of the machines fails or times out, notifying `topic` (alarm and OK), as the construct's other alarms do. */
function failedRunsAlarm(scope: Construct, machines: sfn.StateMachine[], topic?: sns.ITopic): cloudwatch.Alarm {
  const failed = (m: sfn.StateMachine) => [m.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }), m.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' })];
  const metrics = machines.flatMap(failed);
  const alarm = new cloudwatch.Alarm(scope, 'CuratedFailedRuns', {
    alarmDescription: 'A curated-table run (merge, upkeep or erasure) failed or timed out; the next merge catches up within the lookback',
    metric: new cloudwatch.MathExpression({
      expression: metrics.map((_, i) => `FILL(m${i}, 0)`).join(' + '),
      usingMetrics: Object.fromEntries(metrics.map((m, i) => [`m${i}`, m])),
      period: Duration.minutes(5),
    }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  if (topic) {
    alarm.addAlarmAction(new cwActions.SnsAction(topic));
    alarm.addOkAction(new cwActions.SnsAction(topic));
  }
  return alarm;
}

function icebergSchema(columns: Pick<CuratedColumn, 'name' | 'type' | 'comment'>[]): glue.CfnTable.IcebergSchemaProperty {
  let nextId = columns.length + 1;
  return {
    schemaId: 0,
    type: 'struct',
    fields: columns.map((c, i) => ({
      id: i + 1,
      name: c.name,
      required: false,
      doc: c.comment,
      // Iceberg's JSON schema has a map as an object; CloudFormation's schema types the field as a string, so it is
      // the object's JSON text (not verified on AWS: LocalStack does not create Iceberg tables).
      type: c.type === 'map'
        ? JSON.stringify({ 'type': 'map', 'key-id': nextId++, 'key': 'string', 'value-id': nextId++, 'value': 'string', 'value-required': false })
        : icebergType(c.type),
    })),
  };
}

function icebergType(t: CuratedType): string {
  return { string: 'string', bigint: 'long', int: 'int', double: 'double', boolean: 'boolean', timestamp: 'timestamp', map: 'map' }[t];
}

function glueType(t: CuratedType): string {
  return { string: 'string', bigint: 'bigint', int: 'int', double: 'double', boolean: 'boolean', timestamp: 'timestamp', map: 'map<string,string>' }[t];
}

function pascal(id: string): string {
  return id.split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}
