import { awscdk, javascript } from 'projen';
import { addClientProject } from './projenrc/client';
import { configureWorkflows } from './projenrc/workflows';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-api-to-firehose',
  description:
    'AWS CDK L3 construct: API Gateway REST API -> Kinesis Data Firehose -> S3 with no Lambda in the data path. ' +
    'Safe VTL envelopes, API keys with usage plans, batch ingestion, least privilege.',
  author: 'cdk-api-to-firehose contributors',
  authorAddress: 'maintainers@cdk-api-to-firehose.dev',
  repositoryUrl: 'https://github.com/cdk-api-to-firehose/cdk-api-to-firehose.git',
  license: 'Apache-2.0',
  keywords: ['cdk', 'awscdk', 'api-gateway', 'firehose', 'kinesis', 's3', 'ingestion', 'events'],
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,

  // 2.257.0: npm, PyPI, Maven Central and the Go proxy serve it, cdk-nag 3 accepts it, and it writes cloud assembly schema 53,
  // the newest that @aws-cdk/integ-runner (2.197.x) reads (2.258.0+ write 54).
  cdkVersion: '2.257.0',
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',

  // 'experimental' while the API still moves (the construct is being split into modules, a client package is being
  // added, no production users yet): Construct Hub shows it, PyPI gets "Development Status :: 4 - Beta", and the
  // version stays 0.x (majorVersion 0: a breaking change bumps the minor). 'stable' with majorVersion 1 once it settles.
  stability: 'experimental',

  // GitHub workflows (build, release, upgrade-main, pull-request-lint), checked by actionlint in scripts/test.sh.
  // `.ci/run` stays this repository's CI; the build workflow runs it too (job `suite`, projenrc/workflows.ts).
  // Releases: every `feat`/`fix` on main is versioned from conventional commits (CHANGELOG.md in the release) and
  // published by publib to npm, PyPI, Maven Central and the Go module repository.
  github: true,
  release: true,
  majorVersion: 0,
  workflowNodeVersion: '20.x',
  releaseToNpm: true,

  devDeps: [
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
    '@aws-cdk/integ-runner@^2',
    'cdk-nag@^3',
    'fast-check@^4',
    'yaml@^2',
    '@aws-sdk/client-cloudformation@^3',
    '@aws-sdk/client-s3@^3',
    '@aws-sdk/client-api-gateway@^3',
    // test/e2e/kinesis-source.e2e.test.ts: a Kinesis stream as a Firehose source, driven without the construct.
    '@aws-sdk/client-kinesis@^3',
    '@aws-sdk/client-firehose@^3',
    // HTTP/1.1 for the Kinesis client (it defaults to HTTP/2, whose sessions LocalStack 4.13.1 closes on PutRecords of 500 records).
    '@smithy/node-http-handler@^4',
    // Drives Debian's /usr/bin/chromium in test/e2e/browser.e2e.test.ts (no browser download).
    'playwright-core@^1',
    // The published Segment SDKs, driven against a local capture server in test/senders/ (docs/senders/segment.md).
    // Exact versions: the captured fixtures are what these versions send.
    '@segment/analytics-node@3.1.0',
    '@segment/analytics-next@1.84.3',
    // Published senders whose requests test/senders/*-capture.test.ts record. Pinned: the package is the spec.
    // OpenTelemetry JS: the 0.223.x experimental line (with core/resources 2.12.x) runs on Node 20; the 0.30x/3.x
    // line needs Node >= 22.15. @opentelemetry/api is sdk-logs' peer (>=1.4.0 <1.10.0).
    '@opentelemetry/api@1.9.1',
    '@opentelemetry/api-logs@0.223.1',
    '@opentelemetry/sdk-logs@0.223.1',
    '@opentelemetry/exporter-logs-otlp-http@0.223.1',
    '@opentelemetry/resources@2.12.1',
    // Traces and metrics beside logs (Input.otlp()): the SDKs and OTLP/HTTP JSON exporters of the same line
    // (exporter-metrics-otlp-http has no 0.223.1), and the protobuf trace exporter that sends to the Collector.
    '@opentelemetry/sdk-trace-base@2.12.1',
    '@opentelemetry/sdk-metrics@2.12.1',
    '@opentelemetry/exporter-trace-otlp-http@0.223.1',
    '@opentelemetry/exporter-metrics-otlp-http@0.223.0',
    '@opentelemetry/exporter-trace-otlp-proto@0.223.1',
    '@snowplow/node-tracker@4.8.0',
  ],

  // The dev/test tsconfig lives at the root (tsconfig.dev.json) and covers everything that is not shipped.
  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: {
    include: ['.projenrc.ts', 'projenrc/**/*.ts', 'src/**/*.ts', 'test/**/*.ts', 'integ/**/*.ts', 'scripts/**/*.ts'],
    exclude: ['node_modules', 'test/consumers/**', 'client/**'],
    compilerOptions: {},
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'integ', 'scripts', 'projenrc', '.projenrc.ts'],
    tsconfigPath: './tsconfig.dev.json',
    projectService: false,
    ignorePatterns: ['*.js', '*.d.ts', 'node_modules/', '*.generated.ts', 'coverage', 'integ/**/*.snapshot/**', 'test/consumers/**', 'client/**'],
  },

  jestOptions: {
    // Never rewrite snapshots during a test run: a changed template must fail until it is reviewed.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/test/consumers/', '/test/e2e/', '<rootDir>/client/'],
      testTimeout: 120_000,
      // Builds the Velocity 1.7 renderer (test/vtl/java) once before the workers start.
      globalSetup: '<rootDir>/test/vtl/global-setup.ts',
    },
  },

  publishToPypi: {
    distName: 'cdk-api-to-firehose',
    module: 'cdk_api_to_firehose',
  },
  publishToMaven: {
    javaPackage: 'io.github.cdkapitofirehose',
    mavenGroupId: 'io.github.cdkapitofirehose',
    mavenArtifactId: 'cdk-api-to-firehose',
    // Maven Central through the Central Portal (publib's `central-ossrh` server; MAVEN_USERNAME/MAVEN_PASSWORD are a
    // Central Portal user token, MAVEN_GPG_PRIVATE_KEY(_PASSPHRASE) sign the artifacts).
    mavenServerId: 'central-ossrh',
  },
  publishToGo: {
    // publib-golang pushes dist/go to this repository with the GO_GITHUB_TOKEN secret.
    moduleName: 'github.com/cdk-api-to-firehose/cdk-api-to-firehose-go',
  },

  gitignore: [
    '/.localstack/',
    '/.trino/',
    '/.cache/',
    'cdk.out/',
    '/integ/**/cdk.out/',
    '/scripts/out/',
    '/test/consumers/python/.venv/',
    '/test/consumers/java/target/',
    '__pycache__/',
    '.pytest_cache/',
  ],
});

// The npm package holds the library (lib/, .jsii) and its docs (README.md, API.md, LICENSE); test/package.test.ts checks it.
for (const p of ['/integ/', '/scripts/', '/.ci/', '/docs/', '/.localstack/', '/.trino/', '/.cache/', '/client/']) project.addPackageIgnore(p);

// The browser and Node client: a second npm package in client/, not part of the jsii construct package.
addClientProject(project);

// jsii prints a Node end-of-life banner on every call on these machines.
project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');

// integ-runner: offline snapshot comparison of every integ/integ.*.ts (no AWS account needed).
project.addTask('integ', {
  description: 'Compare integ/ snapshots with a fresh synth (offline)',
  exec: 'integ-runner --directory integ --language typescript --parallel-regions us-east-1',
  receiveArgs: true,
});
project.addTask('integ:update', {
  description: 'Refresh integ/ snapshots without deploying (no AWS credentials needed)',
  // integ-runner exits non-zero when the update replaces a resource (e.g. the API deployment); the second run checks the result.
  exec: 'integ-runner --directory integ --language typescript --parallel-regions us-east-1 --update-on-failed --dry-run'
    + ' || integ-runner --directory integ --language typescript --parallel-regions us-east-1',
  receiveArgs: true,
});
project.testTask.spawn(project.tasks.tryFind('integ')!);

configureWorkflows(project, __dirname);

project.synth();
