import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { IConstruct } from 'constructs';
import { buildApp } from '../../infra/build-app';
import type { BuiltApp } from '../../infra/build-app';
import { FUNCTIONS } from '../../infra/function-catalog';
import type { FunctionKey } from '../../infra/function-catalog';

/**
 * One synthesis per test file (it is the slow part): the app as `npm run synth` builds it, cdk-nag included,
 * with esbuild bundling skipped. `prepare` runs before the synthesis (a test adds what another change would).
 */
export interface Synthesized {
  built: BuiltApp;
  stateful: Template;
  stateless: Template;
  /** cdk-nag's findings left after the acknowledgements (the synthesis throws on errors). */
  violations: unknown[];
}

/** cdk.json's context (feature flags), which the CDK CLI gives the app and a test must give it too. */
export const CDK_JSON_CONTEXT = (
  JSON.parse(readFileSync('cdk.json', 'utf8')) as { context: Record<string, unknown> }
).context;

export function synthesize(
  context: Record<string, unknown>,
  prepare?: (built: BuiltApp) => void,
): Synthesized {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...context, 'aws:cdk:bundling-stacks': [] } });
  const built = buildApp(app);
  prepare?.(built);
  const assembly = app.synth();
  const reportFile = join(assembly.directory, 'validation-report.json');
  const report = existsSync(reportFile)
    ? (JSON.parse(readFileSync(reportFile, 'utf8')) as { pluginReports: { violations: unknown[] }[] })
    : { pluginReports: [] };
  const violations = report.pluginReports.flatMap((r) => r.violations);
  return {
    built,
    stateful: Template.fromStack(built.stateful),
    stateless: Template.fromStack(built.stateless),
    violations,
  };
}

export const PROD_CONTEXT = {
  stage: 'prod',
  paymentRedirectUrl: 'https://tenant.rent.invalid/rent/payment-complete',
  alarmEmail: 'alarms@ops.rent.invalid',
};

export type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };

export function functionResource(t: Template, key: FunctionKey): [string, Resource] {
  const found = Object.entries(t.findResources('AWS::Lambda::Function')).find(
    ([, r]) =>
      (r.Properties.Environment.Variables as Record<string, unknown>).POWERTOOLS_SERVICE_NAME ===
      FUNCTIONS[key].service,
  );
  if (!found) throw new Error(`no function ${key} in the template`);
  return found as [string, Resource];
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Every statement of the policies attached to a function's role. */
export function statementsOf(t: Template, key: FunctionKey): Statement[] {
  const [, fn] = functionResource(t, key);
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

export const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
export const resourcesOf = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

/** Whether a function may take `action` on a resource whose reference mentions `logicalId`. */
export function allows(t: Template, key: FunctionKey, action: string, logicalId: string): boolean {
  return statementsOf(t, key).some(
    (s) =>
      s.Effect === 'Allow' &&
      actionsOf(s).includes(action) &&
      resourcesOf(s).some((r) => JSON.stringify(r).includes(logicalId)),
  );
}

export function logicalIdOf(construct: IConstruct): string {
  const stack = (construct as IConstruct & { stack?: { getLogicalId(e: unknown): string } }).stack;
  const child = construct.node.defaultChild;
  if (!stack || !child) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return stack.getLogicalId(child);
}

/** The construct ids of every CloudWatch alarm in the app (what the operations doc's alarm table names). */
export function alarmIds(built: BuiltApp): string[] {
  return [built.stateful, built.stateless]
    .flatMap((stack) => stack.node.findAll())
    .filter((c) => c instanceof cloudwatch.AlarmBase)
    .map((c) => c.node.id);
}

export const FUNCTION_KEYS = Object.keys(FUNCTIONS) as FunctionKey[];
