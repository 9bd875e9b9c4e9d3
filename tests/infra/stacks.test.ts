import { App } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../infra/api-routes';
import { buildApp, InvalidContextError } from '../../infra/build-app';
import { FUNCTIONS } from '../../infra/function-catalog';
import {
  cashfreeSecretSchema,
  paymentDetailsKeySchema,
  phonePeSecretSchema,
} from '../../shared/config/app-config';
import { parseSecret } from '../../shared/config/secrets';
import { PlaceholderCredentialsError } from '../../shared/errors';

let stateful: Template;
let stateless: Template;

beforeAll(() => {
  // Skip esbuild bundling: these tests look at the infrastructure, `npm run synth` bundles for real.
  const app = new App({ context: { stage: 'test', 'aws:cdk:bundling-stacks': [] } });
  const built = buildApp(app);
  stateful = Template.fromStack(built.stateful);
  stateless = Template.fromStack(built.stateless);
});

describe('stateful stack', () => {
  it('keeps every table encrypted, with point-in-time recovery, retained on delete', () => {
    const tables = stateful.findResources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(3);
    for (const table of Object.values(tables)) {
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true });
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    }
  });

  it('gives the payments table a stream with old and new images', () => {
    stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byStatus' })],
    });
  });

  it('indexes payouts by owner, status, owner+status and month, and owners by name', () => {
    stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: ['byOwner', 'byStatus', 'byOwnerStatus', 'byMonth'].map((name) =>
        Match.objectLike({ IndexName: name }),
      ),
    });
    stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [
        Match.objectLike({ IndexName: 'byName', Projection: { ProjectionType: 'KEYS_ONLY' } }),
      ],
    });
  });

  it('has encrypted dead-letter queues and Cognito groups for owners, tenants and admins', () => {
    stateful.resourceCountIs('AWS::SQS::Queue', 2);
    const groups = Object.values(stateful.findResources('AWS::Cognito::UserPoolGroup')).map(
      (g) => g.Properties.GroupName,
    );
    expect(groups.sort()).toEqual(['admins', 'owners', 'tenants']);
  });

  it('creates the credentials secrets with placeholders the functions refuse until an operator sets them', () => {
    const secrets = stateful.findResources('AWS::SecretsManager::Secret');
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
    stateful.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ReadAttributes: reads,
      WriteAttributes: writes,
    });
    // The ids must be in the ID token, so readable.
    expect(reads.asArray()).toEqual(expect.arrayContaining(['custom:owner_id', 'custom:tenant_id']));
    // An explicit list without them: no WriteAttributes at all would make every mutable attribute writable.
    expect(writes.asArray().length).toBeGreaterThan(0);
    expect(writes.asArray().filter((a) => String(a).startsWith('custom:'))).toEqual([]);
    // Still mutable (admins correct them with AdminUpdateUserAttributes): changing that would replace the pool.
    stateful.hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: Match.arrayWith([
        Match.objectLike({ Name: 'owner_id', Mutable: true }),
        Match.objectLike({ Name: 'tenant_id', Mutable: true }),
      ]),
    });
  });
});

describe('stateless stack', () => {
  it('runs every function on Node 22, with its service name', () => {
    const fns = Object.values(stateless.findResources('AWS::Lambda::Function'));
    expect(fns).toHaveLength(Object.keys(FUNCTIONS).length);
    for (const fn of fns) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toEqual(expect.any(String));
    }
  });

  it('never puts a secret value in a function environment, only the secret ARN', () => {
    for (const fn of Object.values(stateless.findResources('AWS::Lambda::Function'))) {
      const names = Object.keys(fn.Properties.Environment.Variables);
      expect(names.filter((n) => /SECRET(?!_ARN$)|PASSWORD|CLIENT_SECRET/.test(n))).toEqual([]);
    }
  });

  it('gives the payment-details key only to the functions that seal or open account numbers', () => {
    const withKey = Object.values(stateless.findResources('AWS::Lambda::Function'))
      .filter((fn) => 'PAYMENT_DETAILS_KEY_SECRET_ARN' in fn.Properties.Environment.Variables)
      .map((fn) => fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME as string);
    // The payment-details PUT encrypts; validate and submit read the payout's destination. Everything else
    // (directory admin, payout starter, manual retry, lists, the status poll) reads owners without the number.
    expect(withKey.sort()).toEqual(['owner-payment-details', 'payout-submit-transfer', 'payout-validate']);
  });

  it('is a Standard state machine with a timeout on every Task and Retry/Catch on each', () => {
    const machines = Object.values(stateless.findResources('AWS::StepFunctions::StateMachine'));
    expect(machines).toHaveLength(1);
    const machine = machines[0]!;
    expect(machine.Properties.StateMachineType).toBe('STANDARD');
    const joined = machine.Properties.DefinitionString['Fn::Join'][1]
      .map((part: unknown) => (typeof part === 'string' ? part : 'arn'))
      .join('');
    const definition = JSON.parse(joined) as { States: Record<string, Record<string, unknown>> };
    const tasks = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task');
    expect(tasks.map(([name]) => name).sort()).toEqual(['CheckTransfer', 'SubmitTransfer', 'ValidatePayout']);
    for (const [, task] of tasks) {
      expect(task.TimeoutSeconds).toEqual(expect.any(Number));
      expect(task.Retry).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ ErrorEquals: expect.arrayContaining(['TransferOutcomeUnknownError']) }),
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
    stateless.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      FilterCriteria: { Filters: [{ Pattern: Match.stringLikeRegexp('"status":\\{"S":\\["completed"\\]') }] },
    });
    stateless.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
  });

  it('routes every API route, webhooks without the JWT authorizer', () => {
    const routes = Object.values(stateless.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes).toHaveLength(API_ROUTES.length);
    const byKey = new Map(routes.map((r) => [r.Properties.RouteKey as string, r.Properties]));
    expect(byKey.get('POST /api/webhooks/phonepe')?.AuthorizationType).toBe('NONE');
    expect(byKey.get('POST /api/payments')?.AuthorizationType).toBe('JWT');
    expect(byKey.get('GET /api/owner-payouts/{id}')?.AuthorizationType).toBe('JWT');
  });

  it('alarms on failed executions, dead letters, failed and reversed payouts, placeholder credentials', () => {
    stateless.resourceCountIs('AWS::CloudWatch::Alarm', 8);
    stateless.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.message = "Owner payout reversed" }',
    });
    // Every function that reads a credentials secret feeds the placeholder alarm.
    const readers = Object.values(FUNCTIONS).filter((f) =>
      f.needs.some((n: string) => ['phonepe', 'cashfree', 'paymentDetailsKey'].includes(n)),
    );
    const filters = Object.values(stateless.findResources('AWS::Logs::MetricFilter')).filter(
      (f) => f.Properties.FilterPattern === '{ $.message = "Credentials are placeholders" }',
    );
    expect(filters).toHaveLength(readers.length);
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'CredentialsArePlaceholders',
      Namespace: 'RentPayout',
      Threshold: 1,
    });
  });

  it.each([
    [
      'a duplicate rent payment',
      'Duplicate rent payment',
      ['confirmPayments', 'paymentsAdmin', 'reconcilePayments', 'startPayouts'],
      'rent period was paid twice',
    ],
    [
      'an amount mismatch',
      'Payment amount mismatch',
      ['confirmPayments', 'reconcilePayments'],
      'another amount',
    ],
  ])('alarms on %s logged by any function that can find one', (_name, message, functions, description) => {
    const filters = stateless.findResources('AWS::Logs::MetricFilter', {
      Properties: { FilterPattern: `{ $.message = "${message}" }` },
    });
    const groups = Object.values(filters).map(
      (f) => (f.Properties as { LogGroupName: { Ref: string } }).LogGroupName.Ref,
    );
    expect(groups.map((g) => g.replace(/Logs[0-9A-F]{8}$/, '')).sort()).toEqual([...functions].sort());
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp(description),
      Threshold: 1,
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'SUM(METRICS())' })]),
    });
  });
});

describe('app context', () => {
  it('refuses an unknown providers setting with a clear error', () => {
    expect(() =>
      buildApp(new App({ context: { providers: 'prod', 'aws:cdk:bundling-stacks': [] } })),
    ).toThrow(InvalidContextError);
  });
});
