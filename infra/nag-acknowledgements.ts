import { Stack, Token, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';

/**
 * cdk-nag AwsSolutions findings the stateless stack accepts, each with its reason. Each acknowledgement
 * names the exact finding on the exact construct, so a new finding elsewhere still fails the synthesis.
 * tests/infra checks that the `*` resources acknowledged here hold only the actions named in the reasons.
 */
export const WILDCARD_RESOURCE_ACTIONS = [
  // X-Ray has no resource-level permissions.
  'xray:PutTelemetryRecords',
  'xray:PutTraceSegments',
  // Stream consumers: ListStreams cannot be scoped to a stream.
  'dynamodb:ListStreams',
  // Step Functions log delivery to CloudWatch Logs works on no narrower resource.
  'logs:CreateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:DescribeLogGroups',
  'logs:DescribeResourcePolicies',
  'logs:GetLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:UpdateLogDelivery',
] as const;

const WILDCARD_REASON = `Resource "*" only for actions that cannot be scoped to a resource: ${WILDCARD_RESOURCE_ACTIONS.join(', ')}.`;

function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

export interface StatelessChecksScope {
  functions: Record<string, lambda.Function>;
  stateMachine: sfn.StateMachine;
  workflowFunctions: lambda.Function[];
  /** Functions that describe or redrive the workflow's executions. */
  executionReaders: lambda.Function[];
}

export function acknowledgeStatelessChecks(scope: StatelessChecksScope): void {
  for (const fn of Object.values(scope.functions)) {
    if (fn.role) acknowledge(fn.role, 'AwsSolutions-IAM5[Resource::*]', WILDCARD_REASON);
    acknowledge(
      fn,
      'AwsSolutions-L1',
      'nodejs22.x is the runtime the bundles target (esbuild target node22) and the suite is run against; ' +
        'a runtime upgrade is its own change, with the suite run on the new version.',
    );
  }

  const machine = scope.stateMachine;
  acknowledge(machine.role, 'AwsSolutions-IAM5[Resource::*]', WILDCARD_REASON);
  for (const fn of scope.workflowFunctions) {
    const logicalId = Stack.of(fn).getLogicalId(fn.node.defaultChild as lambda.CfnFunction);
    acknowledge(
      machine.role,
      `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
      'Invoking a task function includes its versions and aliases (<function ARN>:*), as CDK grants it; ' +
        'the function itself is named, no other function is reachable.',
    );
  }
  // Executions are named per payout run at run time, so a grant on them is the machine's executions, `:*`.
  const stack = Stack.of(machine);
  const machineId = stack.getLogicalId(machine.node.defaultChild as sfn.CfnStateMachine);
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const executionsOfMachine =
    `arn:<AWS::Partition>:states:${region}:<AWS::AccountId>:execution:` +
    `{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${machineId}"}]}]}:*`;
  for (const fn of scope.executionReaders) {
    if (!fn.role) continue;
    acknowledge(
      fn.role,
      `AwsSolutions-IAM5[Resource::${executionsOfMachine}]`,
      "Describing or redriving a payout run's execution: executions are named <payoutId>-<run> at run time, so " +
        'the grant covers the executions of the payout state machine only (no other state machine).',
    );
  }
  acknowledge(
    machine,
    'AwsSolutions-SF1',
    'Failures are logged (level ERROR); every state an execution went through is in its execution history ' +
      '(kept 90 days), and each payout keeps its own attempt history in DynamoDB. Logging ALL would repeat that.',
  );
}
