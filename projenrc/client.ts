import { javascript, typescript } from 'projen';

/**
 * `cdk-api-to-firehose-client` (client/): the browser and Node client of the endpoint, a plain npm package with
 * zero runtime dependencies, outside the jsii build. Its own package.json and lockfile; the build writes
 * dist/esm (ESM), dist/cjs (CommonJS), dist/types (.d.ts) and dist/browser (minified IIFE).
 */
export function addClientProject(parent: javascript.NodeProject): typescript.TypeScriptProject {
  const client = new typescript.TypeScriptProject({
    parent,
    outdir: 'client',
    name: 'cdk-api-to-firehose-client',
    description: 'Browser and Node client for cdk-api-to-firehose endpoints: batches, retries, splits and never drops an event silently.',
    license: 'Apache-2.0',
    authorName: 'cdk-api-to-firehose contributors',
    authorEmail: 'maintainers@cdk-api-to-firehose.dev',
    repository: 'https://github.com/cdk-api-to-firehose/cdk-api-to-firehose.git',
    repositoryDirectory: 'client',
    keywords: ['analytics', 'events', 'firehose', 'api-gateway', 'beacon', 'batch', 'retry'],
    defaultReleaseBranch: 'main',
    packageManager: javascript.NodePackageManager.NPM,
    minNodeVersion: '20.0.0',
    // Own tsconfigs (one per output format), node's test runner instead of jest, no eslint/prettier.
    disableTsconfig: true,
    tsconfigDev: {
      include: ['src/**/*.ts', 'test/**/*.ts'],
      compilerOptions: {
        target: 'ES2020',
        module: 'ES2020',
        moduleResolution: javascript.TypeScriptModuleResolution.BUNDLER,
        lib: ['ES2022', 'DOM'],
        types: ['node'],
        noEmit: true,
        noImplicitOverride: true,
        isolatedModules: true,
        skipLibCheck: true,
        experimentalDecorators: false,
        inlineSourceMap: false,
        inlineSources: false,
        declaration: false,
        esModuleInterop: true,
      },
    },
    jest: false,
    eslint: false,
    prettier: false,
    sampleCode: false,
    github: false,
    release: false,
    package: false,
    depsUpgrade: false,
    pullRequestTemplate: false,
    entrypoint: 'dist/cjs/index.js',
    entrypointTypes: 'dist/types/index.d.ts',
    typescriptVersion: '^5.9',
    devDeps: ['esbuild@^0.25', 'tsx@^4', '@types/node@^20'],
    gitignore: ['/dist/'],
  });
  client.package.addField('module', 'dist/esm/index.js');
  client.package.addField('sideEffects', false);
  client.package.addField('files', ['dist', 'README.md']);
  client.package.addField('exports', {
    '.': {
      types: './dist/types/index.d.ts',
      import: './dist/esm/index.js',
      require: './dist/cjs/index.js',
    },
    './browser': './dist/browser/cdk-api-to-firehose-client.min.js',
    './package.json': './package.json',
  });
  client.package.addField('unpkg', 'dist/browser/cdk-api-to-firehose-client.min.js');

  client.compileTask.reset('node scripts/build.mjs');
  client.testTask.reset('node --import tsx --test --test-reporter=spec test/*.test.ts');
  client.testTask.spawn(client.addTask('size', {
    description: 'Bundle size: minified and min+gzip; fails above the 4 KB gzip budget',
    exec: 'node scripts/size.mjs',
  }));
  client.addTask('typecheck', { description: 'Type-check src, test and scripts', exec: 'tsc -p tsconfig.dev.json' });
  client.testTask.prependSpawn(client.tasks.tryFind('typecheck')!);
  return client;
}
