import { readFileSync } from 'node:fs';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Capture, Match } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../infra/api-routes';
import { buildApp, InvalidContextError } from '../../infra/build-app';
import { FUNCTIONS } from '../../infra/function-catalog';
import type { FunctionKey } from '../../infra/function-catalog';
import { WILDCARD_RESOURCE_ACTIONS } from '../../infra/nag-acknowledgements';
import { ACCESS_LOG_FIELDS } from '../../infra/stateless-stack';
import {
  cashfreeSecretSchema,
  paymentDetailsKeySchema,
  phonePeSecretSchema,
} from '../../shared/config/app-config';
import { parseSecret } from '../../shared/config/secrets';
import { PlaceholderCredentialsError } from '../../shared/errors';
import { MetricName } from '../../shared/metrics';
import {
  actionsOf,
  alarmIds,
  allows,
  FUNCTION_KEYS,
  functionResource,
  logicalIdOf,
  PROD_CONTEXT,
  resourcesOf,
  statementsOf,
  synthesize,
} from './support';
import type { Synthesized } from './support';

/**
 * The dev stage, synthesized once with cdk-nag (the stage differences are in prod-stage.test.ts).
 * Before the synthesis an alarm is added with no action, as another change to the stacks might add one.
 */
let s: Synthesized;
const ADDED_ALARM = 'AlarmAddedElsewhere';

beforeAll(() => {
  s = synthesize({ stage: 'dev' }, (built) => {
    new cloudwatch.Alarm(built.stateless, ADDED_ALARM, {
      metric: new cloudwatch.Metric({ namespace: 'Elsewhere', metricName: 'Something' }),
      threshold: 1,
      evaluationPeriods: 1,
    });
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('leaves no finding in either stack: each exception is acknowledged in code with its reason', () => {
    expect(s.violations).toEqual([]);
  });

  it('fails the synthesis on a finding nobody acknowledged', () => {
    const app = new App();
    const stack = new Stack(app, 'Unacknowledged');
    new sqs.Queue(stack, 'Plain', { enforceSSL: false });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });
});

describe('stateful stack', () => {
  it('keeps every table encrypted, with point-in-time recovery, on demand', () => {
    const tables = s.stateful.findResources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(3);
    for (const table of Object.values(tables)) {
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true });
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    }
  });

  it('expires items by TTL on expiresAt in the payments table and the payouts table (status-check claims)', () => {
    const ttl = new Capture();
    s.stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TimeToLiveSpecification: ttl,
    });
    expect(ttl.asObject()).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    s.stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: Match.arrayWith([Match.objectLike({ IndexName: 'byOwner' })]),
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    // The directory keeps everything.
    s.stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byName' })],
      TimeToLiveSpecification: Match.absent(),
    });
  });

  it('indexes payouts by owner, status, owner+status, month, watch and attention flag, and owners by name', () => {
    s.stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [
        ...['byOwner', 'byStatus', 'byOwnerStatus', 'byMonth'].map((name) =>
          Match.objectLike({ IndexName: name }),
        ),
        // The payout reconciler's due list: sparse, keys only.
        Match.objectLike({
          IndexName: 'byWatch',
          KeySchema: [
            { AttributeName: 'gsi5pk', KeyType: 'HASH' },
            { AttributeName: 'gsi5sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        }),
        // The operators' queue: sparse, only flagged payouts.
        Match.objectLike({
          IndexName: 'byAttention',
          KeySchema: [
            { AttributeName: 'gsi6pk', KeyType: 'HASH' },
            { AttributeName: 'gsi6sk', KeyType: 'RANGE' },
          ],
        }),
      ],
    });
    s.stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [
        Match.objectLike({ IndexName: 'byName', Projection: { ProjectionType: 'KEYS_ONLY' } }),
      ],
    });
  });

  it('has encrypted, SSL-only dead-letter queues and Cognito groups for owners, tenants and admins', () => {
    expect(s.built.stateful.deadLetterQueues).toHaveLength(2);
    s.stateful.resourceCountIs('AWS::SQS::Queue', 2);
    s.stateful.allResourcesProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    s.stateful.resourceCountIs('AWS::SQS::QueuePolicy', 2);
    const groups = Object.values(s.stateful.findResources('AWS::Cognito::UserPoolGroup')).map(
      (g) => g.Properties.GroupName,
    );
    expect(groups.sort()).toEqual(['admins', 'owners', 'tenants']);
  });

  it('keeps secrets out of the template: generated placeholders only, never a value', () => {
    const secrets = Object.values(s.stateful.findResources('AWS::SecretsManager::Secret'));
    expect(secrets).toHaveLength(3);
    for (const secret of secrets) {
      expect(secret.Properties.SecretString).toBeUndefined();
      expect(secret.Properties.GenerateSecretString.GenerateStringKey).toEqual(expect.any(String));
    }
    for (const template of [s.stateful, s.stateless]) {
      const text = JSON.stringify(template.toJSON());
      expect(text).not.toMatch(/"SecretString"|-----BEGIN|resolve:secretsmanager|resolve:ssm-secure/);
    }
  });

  it('creates the credentials secrets with placeholders the functions refuse until an operator sets them', () => {
    const secrets = s.stateful.findResources('AWS::SecretsManager::Secret');
    const generated = (prefix: string) => {
      const [, secret] = Object.entries(secrets).find(([id]) => id.startsWith(prefix)) ?? [];
      const g = secret?.Properties.GenerateSecretString as {
        SecretStringTemplate: string;
        GenerateStringKey: string;
      };
      // What Secrets Manager stores: the template plus the generated field.
      return { ...JSON.parse(g.SecretStringTemplate), [g.GenerateStringKey]: 'G'.repeat(64) } as unknown;
    };
    expect(() => parseSecret('PHONEPE', phonePeSecretSchema, generated('PhonePeCredentials'))).toThrow(
      PlaceholderCredentialsError,
    );
    expect(() => parseSecret('CASHFREE', cashfreeSecretSchema, generated('CashfreeCredentials'))).toThrow(
      PlaceholderCredentialsError,
    );
    // The generated payment-details key is a real random key, usable as created.
    expect(
      parseSecret('PAYMENT_DETAILS_KEY', paymentDetailsKeySchema, generated('PaymentDetailsKey')),
    ).toMatchObject({ keyId: 'k1', previousKeys: {} });
  });

  it('lets users read the owner and tenant ids but never write them (admins set them)', () => {
    const writes = new Capture();
    const reads = new Capture();
    s.stateful.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ReadAttributes: reads,
      WriteAttributes: writes,
    });
    // The ids must be in the ID token, so readable.
    expect(reads.asArray()).toEqual(expect.arrayContaining(['custom:owner_id', 'custom:tenant_id']));
    // An explicit list without them: no WriteAttributes at all would make every mutable attribute writable.
    expect(writes.asArray().length).toBeGreaterThan(0);
    expect(writes.asArray().filter((a) => String(a).startsWith('custom:'))).toEqual([]);
    // Still mutable (admins correct them with AdminUpdateUserAttributes): changing that would replace the pool.
    s.stateful.hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: Match.arrayWith([
        Match.objectLike({ Name: 'owner_id', Mutable: true }),
        Match.objectLike({ Name: 'tenant_id', Mutable: true }),
      ]),
    });
  });

  it('has an alarm topic that only accepts SSL, and no subscription in a dev stage without alarmEmail', () => {
    s.stateful.resourceCountIs('AWS::SNS::Topic', 1);
    s.stateful.resourceCountIs('AWS::SNS::Subscription', 0);
    s.stateful.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('functions', () => {
  it('runs every function on Node 22, ARM64, with active tracing, its service name and the stage log level', () => {
    const fns = Object.values(s.stateless.findResources('AWS::Lambda::Function'));
    expect(fns).toHaveLength(FUNCTION_KEYS.length);
    s.stateless.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogGroup: { Ref: Match.anyValue() } },
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: Match.anyValue(),
          POWERTOOLS_LOG_LEVEL: 'DEBUG',
        }),
      },
    });
  });

  it('reserves concurrency where the catalog says: the reconciler alone, the Cashfree callers capped', () => {
    for (const key of FUNCTION_KEYS) {
      const [, fn] = functionResource(s.stateless, key);
      const spec = FUNCTIONS[key] as { reservedConcurrency?: number };
      expect([key, fn.Properties.ReservedConcurrentExecutions]).toEqual([key, spec.reservedConcurrency]);
    }
    expect(
      functionResource(s.stateless, 'reconcilePayments')[1].Properties.ReservedConcurrentExecutions,
    ).toBe(1);
    expect(functionResource(s.stateless, 'submitTransfer')[1].Properties.ReservedConcurrentExecutions).toBe(
      5,
    );
  });

  it('never puts a secret in an environment variable: only secret ARNs, imported from the stateful stack', () => {
    for (const key of FUNCTION_KEYS) {
      const variables = functionResource(s.stateless, key)[1].Properties.Environment as {
        Variables: Record<string, unknown>;
      };
      for (const [name, value] of Object.entries(variables.Variables)) {
        expect(name).not.toMatch(/SECRET(?!_ARN$|_REQUIRED$)|PASSWORD|PRIVATE|KEY$/);
        if (name.endsWith('_SECRET_ARN')) expect(value).toEqual({ 'Fn::ImportValue': expect.any(String) });
        expect(JSON.stringify(value)).not.toMatch(/resolve:secretsmanager|BEGIN/);
      }
    }
  });

  it.each(['reconcilePayments', 'reconcilePayouts'] as const)(
    'runs %s every minute, never twice at once, a missed run dropped',
    (key) => {
      const [reconcilerId] = functionResource(s.stateless, key);
      const rules = Object.values(s.stateless.findResources('AWS::Events::Rule')).filter((rule) =>
        (rule.Properties.Targets as { Arn: unknown }[]).some(
          (t) => JSON.stringify(t.Arn) === JSON.stringify({ 'Fn::GetAtt': [reconcilerId, 'Arn'] }),
        ),
      );
      expect(rules).toHaveLength(1);
      expect(rules[0]!.Properties).toMatchObject({
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
        Targets: [expect.objectContaining({ RetryPolicy: { MaximumRetryAttempts: 0 } })],
      });
      s.stateless.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: reconcilerId },
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 60,
      });
      expect(FUNCTIONS[key].reservedConcurrency).toBe(1);
    },
  );
});

describe('IAM: each function can do what its catalog entry needs, nothing more', () => {
  const need = (key: FunctionKey, n: string) => (FUNCTIONS[key].needs as readonly string[]).includes(n);

  it('lets only the payment-details and payout functions read the account-number key', () => {
    const keyId = logicalIdOf(s.built.stateful.paymentDetailsKey);
    const readers = FUNCTION_KEYS.filter((k) =>
      allows(s.stateless, k, 'secretsmanager:GetSecretValue', keyId),
    );
    expect(readers).toEqual(FUNCTION_KEYS.filter((k) => need(k, 'paymentDetailsKey')));
    // The transfer sends the account number to Cashfree: it must read the key. The webhooks, the lists, the
    // export, the summary and the payment reads never handle an account number and cannot.
    // The payment-details PUT seals; validate and submit open the payout's destination. Everything else reads
    // owners without the number.
    expect(readers.sort()).toEqual(['ownerPaymentDetails', 'submitTransfer', 'validatePayout']);
    for (const key of [
      'phonepeWebhook',
      'cashfreeWebhook',
      'listOwnerPayouts',
      'exportPayouts',
      'payoutSummary',
      'getOwnerPayout',
      'getPayment',
      'checkPayoutStatus',
      'createPayment',
      'directoryAdmin',
    ] as const) {
      expect([key, readers.includes(key)]).toEqual([key, false]);
    }
  });

  it('lets only the PhonePe functions read the PhonePe secret and only the Cashfree ones the Cashfree secret', () => {
    const phonepe = logicalIdOf(s.built.stateful.phonepeSecret);
    const cashfree = logicalIdOf(s.built.stateful.cashfreeSecret);
    expect(
      FUNCTION_KEYS.filter((k) => allows(s.stateless, k, 'secretsmanager:GetSecretValue', phonepe)),
    ).toEqual(FUNCTION_KEYS.filter((k) => need(k, 'phonepe')));
    expect(
      FUNCTION_KEYS.filter((k) => allows(s.stateless, k, 'secretsmanager:GetSecretValue', cashfree)),
    ).toEqual(FUNCTION_KEYS.filter((k) => need(k, 'cashfree')));
  });

  it('lets only the directory writers write the directory, and the read handlers write no table', () => {
    const directory = logicalIdOf(s.built.stateful.directoryTable);
    expect(FUNCTION_KEYS.filter((k) => allows(s.stateless, k, 'dynamodb:PutItem', directory))).toEqual([
      'ownerPaymentDetails',
      'directoryAdmin',
    ]);
    for (const key of [
      'getPayment',
      'listOwnerPayouts',
      'exportPayouts',
      'payoutSummary',
      'getOwnerPayout',
    ] as const) {
      const writes = statementsOf(s.stateless, key)
        .flatMap(actionsOf)
        .filter((a) => /^dynamodb:.*(Put|Update|Delete|Write)/.test(a));
      expect([key, writes]).toEqual([key, []]);
    }
    const payments = logicalIdOf(s.built.stateful.paymentsTable);
    expect(FUNCTION_KEYS.filter((k) => allows(s.stateless, k, 'dynamodb:GetItem', payments))).toEqual(
      FUNCTION_KEYS.filter((k) => need(k, 'payments') || need(k, 'payments:read')),
    );
  });

  it('grants every index of a table by name (no index/*), so a reader can query each of them', () => {
    for (const table of [
      s.built.stateful.directoryTable,
      s.built.stateful.paymentsTable,
      s.built.stateful.payoutsTable,
    ]) {
      const id = logicalIdOf(table);
      const indexes = (
        s.stateful.findResources('AWS::DynamoDB::Table')[id]!.Properties.GlobalSecondaryIndexes as {
          IndexName: string;
        }[]
      ).map((i) => i.IndexName);
      for (const key of FUNCTION_KEYS.filter((k) => allows(s.stateless, k, 'dynamodb:Query', id))) {
        const granted = statementsOf(s.stateless, key)
          .flatMap(resourcesOf)
          .map((r) => JSON.stringify(r))
          .filter((r) => r.includes(id) && r.includes('/index/'));
        for (const index of indexes) expect(granted.some((r) => r.includes(`/index/${index}"`))).toBe(true);
        expect(granted.some((r) => r.includes('/index/*'))).toBe(false);
      }
    }
  });

  it('lets only the payout starters start workflow executions', () => {
    const machine = logicalIdOf(s.built.stateless.workflow.stateMachine);
    expect(FUNCTION_KEYS.filter((k) => allows(s.stateless, k, 'states:StartExecution', machine))).toEqual(
      FUNCTION_KEYS.filter((k) => need(k, 'stateMachine')),
    );
  });

  it('lets the payout reconciler describe and redrive executions, manual retry only describe them', () => {
    const machine = logicalIdOf(s.built.stateless.workflow.stateMachine);
    const may = (k: FunctionKey, action: string) => allows(s.stateless, k, action, machine);
    for (const action of ['states:StartExecution', 'states:DescribeExecution', 'states:RedriveExecution'])
      expect([action, may('reconcilePayouts', action)]).toEqual([action, true]);
    expect(may('manualRetry', 'states:DescribeExecution')).toBe(true);
    expect(may('manualRetry', 'states:RedriveExecution')).toBe(false);
  });

  it('lets each function write its own log group only, and uses "*" only for actions that have no resource', () => {
    for (const key of FUNCTION_KEYS) {
      const statements = statementsOf(s.stateless, key);
      const logs = statements.filter((st) => actionsOf(st).includes('logs:PutLogEvents'));
      expect(logs.flatMap(resourcesOf)).toEqual([
        { 'Fn::GetAtt': [expect.stringMatching(`^${key}Logs`), 'Arn'] },
      ]);
      for (const st of statements.filter((x) => resourcesOf(x).includes('*'))) {
        for (const action of actionsOf(st)) expect(WILDCARD_RESOURCE_ACTIONS).toContain(action);
      }
    }
    s.stateless.resourcePropertiesCountIs('AWS::IAM::Role', { ManagedPolicyArns: Match.anyValue() }, 0);
  });
});

describe('payout workflow', () => {
  it('is a Standard state machine with a timeout on every Task and Retry/Catch on each, traced and logged', () => {
    const machines = Object.values(s.stateless.findResources('AWS::StepFunctions::StateMachine'));
    expect(machines).toHaveLength(1);
    const machine = machines[0]!;
    expect(machine.Properties.StateMachineType).toBe('STANDARD');
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    const destination = new Capture();
    expect(machine.Properties.LoggingConfiguration).toMatchObject({
      Level: 'ERROR',
      IncludeExecutionData: false,
    });
    s.stateless.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: {
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [destination, 'Arn'] } } }],
      },
    });
    expect(s.stateless.findResources('AWS::Logs::LogGroup')[destination.asString()]).toBeDefined();
    const joined = machine.Properties.DefinitionString['Fn::Join'][1]
      .map((part: unknown) => (typeof part === 'string' ? part : 'arn'))
      .join('');
    const definition = JSON.parse(joined) as { States: Record<string, Record<string, unknown>> };
    const tasks = Object.entries(definition.States).filter(([, st]) => st.Type === 'Task');
    expect(tasks.map(([name]) => name).sort()).toEqual(['CheckTransfer', 'SubmitTransfer', 'ValidatePayout']);
    for (const [, task] of tasks) {
      expect(task.TimeoutSeconds).toEqual(expect.any(Number));
      expect(task.Retry).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            ErrorEquals: expect.arrayContaining([
              'TransferOutcomeUnknownError',
              'Lambda.TooManyRequestsException',
            ]),
          }),
        ]),
      );
      expect(task.Catch).toEqual([
        expect.objectContaining({ ErrorEquals: ['PayoutFailedError'], Next: 'PayoutFailed' }),
      ]);
    }
    // JSONPath only: the local runner does not run JSONata.
    expect(joined).not.toContain('JSONata');
  });

  it('feeds the payout starter from the stream with a filter, bisect, bounded retries and a DLQ', () => {
    s.stateless.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      FilterCriteria: { Filters: [{ Pattern: Match.stringLikeRegexp('"status":\\{"S":\\["completed"\\]') }] },
    });
    s.stateless.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
  });
});

describe('HTTP API', () => {
  it('routes every API route, webhooks and the OpenAPI document without the JWT authorizer', () => {
    const routes = Object.values(s.stateless.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes).toHaveLength(API_ROUTES.length);
    const byKey = new Map(routes.map((r) => [r.Properties.RouteKey as string, r.Properties]));
    expect(byKey.get('POST /api/webhooks/phonepe')?.AuthorizationType).toBe('NONE');
    expect(byKey.get('POST /api/webhooks/cashfree')?.AuthorizationType).toBe('NONE');
    expect(byKey.get('POST /api/payments')?.AuthorizationType).toBe('JWT');
    expect(byKey.get('GET /api/owner-payouts/{id}')?.AuthorizationType).toBe('JWT');
    expect(routes.filter((r) => r.Properties.AuthorizationType === 'NONE')).toHaveLength(
      API_ROUTES.filter((r) => r.auth === 'none').length,
    );
  });

  it('throttles the stage and writes JSON access logs with what an operator needs', () => {
    const format = new Capture();
    s.stateless.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiAccessLogs'), 'Arn'] },
        Format: format,
      },
    });
    const fields = JSON.parse(format.asString()) as Record<string, string>;
    expect(fields).toEqual(ACCESS_LOG_FIELDS);
    expect(fields).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      responseLatency: '$context.responseLatency',
      integrationLatency: '$context.integrationLatency',
      integrationError: '$context.integrationErrorMessage',
      authorizerError: '$context.authorizer.error',
    });
  });
});

describe('logs', () => {
  it('keeps every log group for the stage retention, deleted with a dev stack', () => {
    const groups = Object.values(s.stateless.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThanOrEqual(FUNCTION_KEYS.length + 2);
    for (const group of groups) {
      expect(group.Properties.RetentionInDays).toBe(30);
      expect(group.DeletionPolicy).toBe('Delete');
    }
  });
});

describe('alarms', () => {
  it('notifies the alarm topic from every alarm, on alarm and on recovery, one added elsewhere included', () => {
    const topic = logicalIdOf(s.built.stateful.alarmTopic);
    const alarms = Object.entries(s.stateless.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThan(2 * FUNCTION_KEYS.length);
    for (const [id, alarm] of alarms) {
      for (const actions of [alarm.Properties.AlarmActions, alarm.Properties.OKActions]) {
        expect([id, actions]).toEqual([id, [{ 'Fn::ImportValue': expect.stringContaining(topic) }]]);
      }
    }
    expect(alarmIds(s.built)).toContain(ADDED_ALARM);
  });

  it('alarms on failed executions and payouts, reversals, attention, dead letters, 5xx, each function', () => {
    const ids = alarmIds(s.built);
    expect(ids).toEqual(
      expect.arrayContaining([
        'PayoutExecutionsFailed',
        'PayoutsFailed',
        'PayoutReversed',
        'PayoutsNeedAttention',
        'PhonePeWebhookErrors',
        'CashfreeWebhookErrors',
        'ApiServerErrors',
        'StartPayoutsDlqNotEmpty',
        'ConfirmPaymentsDlqNotEmpty',
        'startPayoutsIteratorAge',
        'confirmPaymentsIteratorAge',
        'PaymentReconcilerActed',
        'PayoutExecutionsTimedOut',
        'PayoutExecutionsAborted',
        'PayoutReconcilerActed',
        'DuplicatePayout',
        ...FUNCTION_KEYS.flatMap((k) => [`${k}Errors`, `${k}Throttles`]),
      ]),
    );
    s.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'rent-payout-dev-PayoutsFailed',
      Namespace: 'RentPayout',
      MetricName: MetricName.payoutStatusChanges,
      Dimensions: [{ Name: 'Status', Value: 'failed' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    s.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Statistic: 'Maximum',
      Threshold: 1,
    });
    // Throttling is the design of the capped functions: their alarm wants 15 minutes of it.
    s.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'rent-payout-dev-submitTransferThrottles',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
    });
    s.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'rent-payout-dev-createPaymentThrottles',
      EvaluationPeriods: 1,
    });
  });

  it('alarms on placeholder credentials logged by any function that reads a credentials secret', () => {
    const readers = FUNCTION_KEYS.filter((k) =>
      (FUNCTIONS[k].needs as readonly string[]).some((n) =>
        ['phonepe', 'cashfree', 'paymentDetailsKey'].includes(n),
      ),
    );
    const filters = Object.values(s.stateless.findResources('AWS::Logs::MetricFilter')).filter(
      (f) => f.Properties.FilterPattern === '{ $.message = "Credentials are placeholders" }',
    );
    expect(filters).toHaveLength(readers.length);
    s.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'CredentialsArePlaceholders',
      Namespace: 'RentPayout',
      Threshold: 1,
    });
  });

  it('alarms on timed-out and aborted executions and on the payout reconciler acting', () => {
    for (const [id, metric] of [
      ['PayoutExecutionsTimedOut', 'ExecutionsTimedOut'],
      ['PayoutExecutionsAborted', 'ExecutionsAborted'],
    ] as const)
      s.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `rent-payout-dev-${id}`,
        Namespace: 'AWS/States',
        MetricName: metric,
      });
    s.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'rent-payout-dev-PayoutReconcilerActed',
      MetricName: MetricName.reconcilerActions,
      Dimensions: [{ Name: 'Reconciler', Value: 'payouts' }],
    });
  });

  it.each([
    [
      'a duplicate owner payout',
      'DuplicatePayout',
      'Duplicate owner payout: two transfers succeeded',
      [
        'cashfreeWebhook',
        'checkPayoutStatus',
        'checkTransfer',
        'manualRetry',
        'reconcilePayouts',
        'submitTransfer',
      ],
    ],
    [
      'a duplicate rent payment',
      'DuplicateRentPayment',
      'Duplicate rent payment',
      ['confirmPayments', 'paymentsAdmin', 'reconcilePayments', 'startPayouts'],
    ],
    [
      'an amount mismatch',
      'PaymentAmountMismatch',
      'Payment amount mismatch',
      ['confirmPayments', 'reconcilePayments'],
    ],
  ])('alarms on %s logged by any function that can find one', (_name, alarmId, message, functions) => {
    const filters = s.stateless.findResources('AWS::Logs::MetricFilter', {
      Properties: { FilterPattern: `{ $.message = "${message}" }` },
    });
    const groups = Object.values(filters).map(
      (f) => (f.Properties as { LogGroupName: { Ref: string } }).LogGroupName.Ref,
    );
    expect(groups.map((g) => g.replace(/Logs[0-9A-F]{8}$/, '')).sort()).toEqual([...functions].sort());
    for (const f of Object.values(filters))
      expect(f.Properties.MetricTransformations[0].MetricName).toBe(alarmId);
    s.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `rent-payout-dev-${alarmId}`,
      Namespace: 'RentPayout',
      MetricName: alarmId,
      Threshold: 1,
    });
  });

  it('are all in the operations guide, with what each means and what the operator does', () => {
    const guide = readFileSync('docs/operations.md', 'utf8');
    const table = guide.slice(guide.indexOf('## Alarms'));
    const keys = new Set<string>(FUNCTION_KEYS);
    for (const id of alarmIds(s.built).filter((a) => a !== ADDED_ALARM)) {
      const perFunction = /^(.+)(Errors|Throttles)$/.exec(id);
      const documented =
        perFunction && keys.has(perFunction[1]!) ? `\`<function>${perFunction[2]}\`` : `\`${id}\``;
      expect([id, table.includes(documented)]).toEqual([id, true]);
    }
  });
});

describe('dashboard', () => {
  it('shows payouts by status, latency, webhooks, errors, throttles, DLQ depth and reconciler actions', () => {
    const body = new Capture();
    s.stateless.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: 'rent-payout-dev',
      DashboardBody: body,
    });
    const text = JSON.stringify(body.asObject());
    for (const title of [
      'Payouts by status',
      'Payout latency',
      'Webhook outcomes',
      'Webhook latency',
      'Errors',
      'Throttles',
      'Dead-letter queue depth',
      'Reconciler actions',
    ])
      expect(text).toContain(title);
    for (const metric of Object.values(MetricName)) expect(text).toContain(metric);
    expect(text).toContain('ApproximateNumberOfMessagesVisible');
  });
});

describe('stage context', () => {
  const build = (context: Record<string, unknown>) =>
    buildApp(new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } }), { nag: false });

  it('refuses a production stage without the tenant redirect URL or the alarm email, naming them', () => {
    expect(() => build({ stage: 'prod', alarmEmail: PROD_CONTEXT.alarmEmail })).toThrow(InvalidContextError);
    expect(() => build({ stage: 'prod', alarmEmail: PROD_CONTEXT.alarmEmail })).toThrow(/paymentRedirectUrl/);
    expect(() => build({ stage: 'prod', paymentRedirectUrl: PROD_CONTEXT.paymentRedirectUrl })).toThrow(
      /alarmEmail/,
    );
  });

  it('refuses malformed values and the retired providers setting with a clear error', () => {
    expect(() => build({ ...PROD_CONTEXT, paymentRedirectUrl: 'http://tenant.example/x' })).toThrow(
      /paymentRedirectUrl must be an https URL/,
    );
    expect(() => build({ ...PROD_CONTEXT, alarmEmail: 'ops' })).toThrow(/alarmEmail must be an email/);
    expect(() => build({ stage: 'Prod!' })).toThrow(/context stage/);
    expect(() => build({ providers: 'production' })).toThrow(/the stage decides/);
  });
});
