import { Stack, Validations } from 'aws-cdk-lib';
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
