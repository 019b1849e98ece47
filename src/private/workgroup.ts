import { Annotations, Duration, RemovalPolicy, Stack, aws_athena as athena, aws_iam as iam, aws_s3 as s3 } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Catalog, QuerySettings } from './catalog';
import { acknowledgeBoth, acknowledgeCheckov } from './nag';
import { deduplicationKey, namedQueries } from './sql';

/** The Athena engine: version 3 is Trino. */
export const ATHENA_ENGINE_VERSION = 'Athena engine version 3';

/** The id of the synth warning given when the deduplicated view is not created. */
export const NO_DEDUPLICATED_VIEW_WARNING = 'cdk-api-to-firehose:noDeduplicatedView';

/** What `createQuery` made. */
export interface Query {
  readonly workGroup: athena.CfnWorkGroup;
  readonly workGroupName: string;
  readonly resultsBucket: s3.Bucket;
  readonly namedQueries: athena.CfnNamedQuery[];
  /** The views its named queries create (the deduplicated view, the inputs' views). */
  readonly views: string[];
}

/**
 * Creates the Athena workgroup (engine version 3, enforced settings, encrypted results that expire, a cutoff on
 * bytes scanned per query) and the named queries.
 */
export function createQuery(scope: Construct, catalog: Catalog, s: QuerySettings): Query {
  const resultsBucket = new s3.Bucket(scope, 'QueryResults', {
    encryption: s.encryptionKey ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
    encryptionKey: s.encryptionKey,
    bucketKeyEnabled: s.encryptionKey ? true : undefined,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ expiration: s.resultsExpiration, abortIncompleteMultipartUploadAfter: Duration.days(1) }],
  });
  acknowledgeBoth(resultsBucket, 'AwsSolutions-S1', 'CKV_AWS_18',
    'The bucket holds Athena query results only, written by the workgroup and expired by a lifecycle rule; '
    + 'CloudTrail records the queries that produce them.');
  // No cdk-nag AwsSolutions rule checks versioning (its NIST, HIPAA and PCI packs do).
  acknowledgeCheckov(resultsBucket, 'CKV_AWS_21', 'Athena query results are transient: a query writes them once '
    + 'and they expire after `query.resultsExpiration`; the query can be run again.');

  const workGroupName = s.workGroupName;
  const workGroup = new athena.CfnWorkGroup(scope, 'WorkGroup', {
    name: workGroupName,
    description: `Queries over ${catalog.databaseName}.${catalog.tableName} (cdk-api-to-firehose)`,
    state: 'ENABLED',
    // Named queries saved by users would otherwise block stack deletion.
    recursiveDeleteOption: true,
    workGroupConfiguration: {
      enforceWorkGroupConfiguration: true,
      engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSION },
      bytesScannedCutoffPerQuery: s.bytesScannedCutoffPerQuery.toBytes(),
      publishCloudWatchMetricsEnabled: true,
      resultConfiguration: {
        outputLocation: `s3://${resultsBucket.bucketName}/`,
        encryptionConfiguration: s.encryptionKey
          ? { encryptionOption: 'SSE_KMS', kmsKey: s.encryptionKey.keyArn }
          : { encryptionOption: 'SSE_S3' },
      },
    },
  });
  const key = deduplicationKey(catalog.spec);
  if ('refusal' in key) {
    Annotations.of(scope).addWarningV2(NO_DEDUPLICATED_VIEW_WARNING, `query: no deduplicated view ${catalog.tableName}_deduplicated `
      + `(no named query creates it): ${key.refusal}. A view without such a key would keep one row of several distinct events.`);
  }
  const specs = [...namedQueries(catalog.spec), ...s.inputTables.flatMap((t) => t.queries(catalog.spec))];
  const queries = specs.map((q) => {
    const nq = new athena.CfnNamedQuery(scope, q.id, {
      name: q.name,
      description: q.description,
      database: catalog.databaseName,
      queryString: q.sql,
      workGroup: workGroup.ref,
    });
    nq.addDependency(catalog.table);
    return nq;
  });
  return { workGroup, workGroupName, resultsBucket, namedQueries: queries, views: specs.flatMap((q) => (q.view ? [q.view] : [])) };
}

/** Grants what running the workgroup's queries takes: Athena, Glue (read, and the named queries' views), both buckets, keys. */
export function grantQuery(grantee: iam.IGrantable, scope: Construct, catalog: Catalog, query: Query, dataBucket: s3.IBucket): iam.Grant {
  const stack = Stack.of(scope);
  const glueArn = (resource: string, resourceName?: string) => stack.formatArn({ service: 'glue', resource, resourceName });
  const views = query.views.map((v) => glueArn('table', `${catalog.databaseName}/${v}`));
  return iam.Grant.addToPrincipal({
    grantee,
    actions: [
      'athena:StartQueryExecution', 'athena:StopQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults',
      'athena:GetQueryResultsStream', 'athena:BatchGetQueryExecution', 'athena:ListQueryExecutions', 'athena:GetWorkGroup',
      'athena:GetNamedQuery', 'athena:BatchGetNamedQuery', 'athena:ListNamedQueries',
    ],
    resourceArns: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: query.workGroup.ref })],
  }).combine(iam.Grant.addToPrincipal({
    grantee,
    actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions'],
    resourceArns: [
      glueArn('catalog'),
      glueArn('database', catalog.databaseName),
      glueArn('table', `${catalog.databaseName}/${catalog.table.ref}`),
      ...views,
    ],
  })).combine(iam.Grant.addToPrincipal({
    grantee,
    // CREATE OR REPLACE VIEW of the named queries' views, and those views only.
    actions: ['glue:CreateTable', 'glue:UpdateTable'],
    resourceArns: [glueArn('catalog'), glueArn('database', catalog.databaseName), ...views],
  }))
    .combine(dataBucket.grantRead(grantee))
    .combine(query.resultsBucket.grantRead(grantee))
    .combine(query.resultsBucket.grantPut(grantee));
}
