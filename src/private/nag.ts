import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * cdk-nag names a finding on a specific resource or policy with a flattened
 * form of the CloudFormation value: `{"Fn::GetAtt":["Bucket","Arn"]}` becomes
 * `<Bucket.Arn>`, `{"Ref":"X"}` becomes `<X>`, joins are concatenated. An
 * acknowledgement must name the finding exactly, so we flatten the same way.
 */
export function nagFindingId(ruleId: string, kind: 'Resource' | 'Action' | 'Policy', scope: IConstruct, value: string): string {
  return `${ruleId}[${kind}::${flatten(Stack.of(scope).resolve(value))}]`;
}

function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const n = node as Record<string, any>;
  if (n['Fn::Join']) {
    const [delimiter, items] = n['Fn::Join'];
    return (items as unknown[]).map(flatten).join(delimiter);
  }
  if (n['Fn::Sub']) return flatten(n['Fn::Sub']);
  if (n['Fn::GetAtt']) return `<${flatten(n['Fn::GetAtt'][0])}.${flatten(n['Fn::GetAtt'][1])}>`;
  if (n['Fn::ImportValue']) return flatten(n['Fn::ImportValue']);
  if (n.Ref) return `<${flatten(n.Ref)}>`;
  return JSON.stringify(node);
}

/**
 * Acknowledges a cdk-nag finding on `scope` (and its children) with a reason.
 *
 * `Validations.acknowledge` refuses ids with more than one `::`, but cdk-nag
 * names findings on ARNs with pseudo parameters that way
 * (`Policy::arn:<AWS::Partition>:iam::aws:policy/...`). Such ids are recorded
 * under the same metadata key that `Validations` writes and cdk-nag reads.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if (id.split('::').length <= 2) {
    Validations.of(scope).acknowledge({ id, reason });
  } else {
    scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [id]: reason });
  }
}

/** One Checkov acknowledgement, as Checkov reads it from `Metadata.checkov.skip` of a CloudFormation resource. */
interface CheckovSkip {
  readonly id: string;
  readonly comment: string;
}

/**
 * Acknowledges a Checkov finding on the CloudFormation resource of `scope` (the resource itself, or an L2's
 * default child) in its `Metadata.checkov.skip`, which Checkov reads from the template. Merges into the list already
 * there (`addMetadata` replaces the whole key); a second acknowledgement of the same check replaces the first.
 */
export function acknowledgeCheckov(scope: IConstruct, checkId: string, comment: string): void {
  const cfn = CfnResource.isCfnResource(scope) ? scope : scope.node.defaultChild;
  if (!cfn || !CfnResource.isCfnResource(cfn)) throw new Error(`${scope.node.path} has no CloudFormation resource to acknowledge ${checkId} on`);
  const checkov = cfn.getMetadata('checkov') ?? {};
  const skip: CheckovSkip[] = (checkov.skip ?? []).filter((s: CheckovSkip) => s.id !== checkId);
  cfn.addMetadata('checkov', { ...checkov, skip: [...skip, { id: checkId, comment }] });
}

/**
 * Acknowledges the same finding as cdk-nag and Checkov name it, with one reason, so that the two scanners'
 * acknowledgements cannot drift apart.
 */
export function acknowledgeBoth(scope: IConstruct, nagId: string, checkId: string, reason: string): void {
  acknowledge(scope, nagId, reason);
  acknowledgeCheckov(scope, checkId, reason);
}

/**
 * Tells cfn-lint to skip `rule` on the whole template of `scope`'s stack (`Metadata.cfn-lint.config.ignore_checks`,
 * the only level cfn-lint reads for findings outside `Resources`), keeping the stack's other template metadata.
 */
export function acknowledgeCfnLint(scope: IConstruct, rule: string): void {
  const stack = Stack.of(scope);
  const metadata = stack.templateOptions.metadata ?? {};
  const cfnLint = metadata['cfn-lint'] ?? {};
  const config = cfnLint.config ?? {};
  const ignore: string[] = config.ignore_checks ?? [];
  if (ignore.includes(rule)) return;
  stack.templateOptions.metadata = {
    ...metadata,
    'cfn-lint': { ...cfnLint, config: { ...config, ignore_checks: [...ignore, rule] } },
  };
}
