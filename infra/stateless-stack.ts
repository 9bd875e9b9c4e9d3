import { CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDlq, DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import { API_ROUTES, apiGatewayPath } from './api-routes';
import { FUNCTIONS } from './function-catalog';
import { grantTableData } from './grants';
import type { FunctionKey, FunctionSpec } from './function-catalog';
import { acknowledgeStatelessChecks } from './nag-acknowledgements';
import { Monitoring } from './monitoring';
import { PayoutWorkflow } from './payout-workflow';
import type { StageConfig } from './stage-config';
import type { StatefulStack } from './stateful-stack';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface ProviderEndpoints {
  phonepeOAuthBaseUrl: string;
  phonepePgBaseUrl: string;
  cashfreeBaseUrl: string;
  paymentRedirectUrl: string;
}

export interface StatelessStackProps extends StackProps {
  config: StageConfig;
  stateful: StatefulStack;
  endpoints: ProviderEndpoints;
}

/**
 * HTTP API access log, one JSON object per request: who called what, the answer, how long it took, and why
 * API Gateway itself refused or failed a request (authorizer or integration errors).
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  httpMethod: '$context.httpMethod',
  path: '$context.path',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationRequestId: '$context.integration.requestId',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  errorMessage: '$context.error.message',
  errorType: '$context.error.responseType',
  user: '$context.authorizer.claims.sub',
} as const;

/** The routes without the JWT authorizer, and why each may be (cdk-nag AwsSolutions-APIG4). */
export const PUBLIC_ROUTES: Partial<Record<FunctionKey, string>> = {
  phonepeWebhook:
    'PhonePe calls it without a token; the handler checks its Authorization header against the webhook ' +
    'credentials (constant-time) before reading the body.',
  cashfreeWebhook:
    'Cashfree calls it without a token; the handler verifies x-webhook-signature (HMAC-SHA256 of timestamp ' +
    'and raw body) and the timestamp age before reading the body.',
  openapi: 'The OpenAPI description of this API, public by design; it holds no data.',
};

/** Stream filters: the payout starter sees only payments that just became completed. */
export const PAYMENT_COMPLETED_FILTER = {
  eventName: ['MODIFY'],
  dynamodb: {
    NewImage: { entity: { S: ['payment'] }, status: { S: ['completed'] } },
    OldImage: { status: { S: [{ 'anything-but': ['completed'] }] } },
  },
};
/** ...and the confirmer only newly recorded PhonePe webhook events. */
export const PHONEPE_EVENT_RECORDED_FILTER = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { entity: { S: ['phonepe_event'] } } },
};

/**
 * The code: functions, HTTP API, payout state machine, stream consumers, alarms and dashboard.
 * Redeployable at will.
 */
export class StatelessStack extends Stack {
  public readonly functions: Record<FunctionKey, nodejs.NodejsFunction>;
  public readonly httpApi: apigw.HttpApi;
  public readonly workflow: PayoutWorkflow;
  public readonly monitoring: Monitoring;

  public constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, stateful, endpoints } = props;

    const makeFunction = (key: string, spec: FunctionSpec) => {
      const logGroup = new logs.LogGroup(this, `${key}Logs`, { retention: config.logRetention });
      // Its own role, allowed to write its own log group only (not the managed policy's logs on every group).
      const role = new iam.Role(this, `${key}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `${spec.service} function`,
      });
      logGroup.grantWrite(role);
      return new nodejs.NodejsFunction(this, key, {
        role,
        entry: `${ROOT}${spec.entry}`,
        handler: 'handler',
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: spec.memoryMb,
        timeout: Duration.seconds(spec.timeoutSeconds),
        reservedConcurrentExecutions: spec.reservedConcurrency,
        description: spec.description,
        logGroup,
        tracing: lambda.Tracing.ACTIVE,
        projectRoot: ROOT,
        depsLockFilePath: `${ROOT}package-lock.json`,
        environment: {
          POWERTOOLS_SERVICE_NAME: spec.service,
          POWERTOOLS_LOG_LEVEL: config.logLevel,
          NODE_OPTIONS: '--enable-source-maps',
        },
        bundling: {
          format: nodejs.OutputFormat.ESM,
          target: 'node22',
          minify: true,
          sourceMap: true,
          mainFields: ['module', 'main'],
          // Bundle the AWS SDK too: the versions in package-lock.json are the ones tested.
          externalModules: [],
          banner:
            "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
          forceDockerBundling: false,
        },
      });
    };

    const fns = {} as Record<FunctionKey, nodejs.NodejsFunction>;
    for (const [key, spec] of Object.entries(FUNCTIONS) as [FunctionKey, FunctionSpec][]) {
      fns[key] = makeFunction(key, spec);
    }
    this.functions = fns;

    this.workflow = new PayoutWorkflow(this, 'PayoutWorkflow', {
      validate: fns.validatePayout,
      submit: fns.submitTransfer,
      check: fns.checkTransfer,
    });

    // Least privilege: each function gets exactly what its `needs` list says.
    for (const [key, spec] of Object.entries(FUNCTIONS) as [FunctionKey, FunctionSpec][]) {
      const fn = fns[key];
      for (const need of spec.needs) {
        switch (need) {
          case 'directory':
          case 'directory:write':
            fn.addEnvironment('DIRECTORY_TABLE', stateful.directoryTable.tableName);
            grantTableData(fn, stateful.directoryTable, need === 'directory' ? 'read' : 'readWrite');
            break;
          case 'payments':
          case 'payments:read':
            fn.addEnvironment('PAYMENTS_TABLE', stateful.paymentsTable.tableName);
            grantTableData(fn, stateful.paymentsTable, need === 'payments' ? 'readWrite' : 'read');
            break;
          case 'payouts':
          case 'payouts:read':
            fn.addEnvironment('PAYOUTS_TABLE', stateful.payoutsTable.tableName);
            grantTableData(fn, stateful.payoutsTable, need === 'payouts' ? 'readWrite' : 'read');
            break;
          case 'phonepe':
            fn.addEnvironment('PHONEPE_SECRET_ARN', stateful.phonepeSecret.secretArn);
            fn.addEnvironment('PHONEPE_OAUTH_BASE_URL', endpoints.phonepeOAuthBaseUrl);
            fn.addEnvironment('PHONEPE_PG_BASE_URL', endpoints.phonepePgBaseUrl);
            stateful.phonepeSecret.grantRead(fn);
            break;
          case 'cashfree':
            fn.addEnvironment('CASHFREE_SECRET_ARN', stateful.cashfreeSecret.secretArn);
            fn.addEnvironment('CASHFREE_BASE_URL', endpoints.cashfreeBaseUrl);
            fn.addEnvironment('CASHFREE_SIGNATURE_REQUIRED', String(config.cashfreeSignatureRequired));
            stateful.cashfreeSecret.grantRead(fn);
            break;
          case 'paymentDetailsKey':
            fn.addEnvironment('PAYMENT_DETAILS_KEY_SECRET_ARN', stateful.paymentDetailsKey.secretArn);
            stateful.paymentDetailsKey.grantRead(fn);
            break;
          case 'paymentConfig':
            fn.addEnvironment('PAYMENT_REDIRECT_URL', endpoints.paymentRedirectUrl);
            fn.addEnvironment('PAYMENT_ORDER_EXPIRY_SECONDS', '1200');
            break;
          case 'payoutPolicy':
            fn.addEnvironment('PAYOUT_MAX_ATTEMPTS', '3');
            break;
          case 'stateMachine':
            fn.addEnvironment('PAYOUT_STATE_MACHINE_ARN', this.workflow.stateMachine.stateMachineArn);
            this.workflow.stateMachine.grantStartExecution(fn);
            break;
          case 'stateMachineRead':
            fn.addEnvironment('PAYOUT_STATE_MACHINE_ARN', this.workflow.stateMachine.stateMachineArn);
            // The runs' executions only (grantRead would add activities and every state machine on "*").
            this.workflow.stateMachine.grantExecution(
              fn,
              'states:DescribeExecution',
              'states:GetExecutionHistory',
            );
            break;
          case 'stateMachineRedrive':
            this.workflow.stateMachine.grantRedriveExecution(fn);
            break;
        }
      }
    }

    const streamSource = (filter: object, dlq: StatefulStack['startPayoutsDlq']) =>
      new DynamoEventSource(stateful.paymentsTable, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 10,
        bisectBatchOnError: true,
        retryAttempts: 5,
        maxRecordAge: Duration.days(1),
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(dlq),
        filters: [lambda.FilterCriteria.filter(filter)],
      });
    fns.startPayouts.addEventSource(streamSource(PAYMENT_COMPLETED_FILTER, stateful.startPayoutsDlq));
    fns.confirmPayments.addEventSource(
      streamSource(PHONEPE_EVENT_RECORDED_FILTER, stateful.confirmPaymentsDlq),
    );

    // Payments whose webhook never came are confirmed by polling PhonePe (EventBridge's finest schedule).
    this.everyMinute(
      'ReconcilePaymentsSchedule',
      'Confirm pending rent payments with the PhonePe order-status API',
      fns.reconcilePayments,
    );

    // Payouts whose run stopped, whose transfers are in flight, or that can still be reversed: the watch index.
    this.everyMinute(
      'ReconcilePayoutsSchedule',
      'Resume stopped payout runs and check transfers with the Cashfree status API',
      fns.reconcilePayouts,
    );

    const authorizer = new HttpJwtAuthorizer('CognitoJwt', stateful.userPool.userPoolProviderUrl, {
      // The owner app's client and the operators' console's.
      jwtAudience: [stateful.userPoolClient.userPoolClientId, stateful.console.client.userPoolClientId],
    });
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { retention: config.logRetention });
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'rent-payout: owner app, tenant payments, provider webhooks',
      createDefaultStage: false,
      // The operators' console calls the API from its own origin (CloudFront); nothing else is a browser.
      corsPreflight: {
        allowOrigins: [stateful.console.origin],
        allowMethods: [apigw.CorsHttpMethod.GET, apigw.CorsHttpMethod.POST, apigw.CorsHttpMethod.PUT],
        allowHeaders: ['authorization', 'content-type'],
        exposeHeaders: ['content-disposition'],
        maxAge: Duration.hours(1),
      },
    });
    new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 200, burstLimit: 400 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    const integrations = new Map<FunctionKey, HttpLambdaIntegration>();
    for (const route of API_ROUTES) {
      let integration = integrations.get(route.fn);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${route.fn}Integration`, fns[route.fn]);
        integrations.set(route.fn, integration);
      }
      const routes = this.httpApi.addRoutes({
        // HTTP API route paths cannot end in "/", and API Gateway routes "/x/" to the "/x" route anyway,
        // so the owner app's Django-style URLs keep working.
        path: apiGatewayPath(route.path),
        methods: [route.method as apigw.HttpMethod],
        integration,
        ...(route.auth === 'jwt' ? { authorizer } : {}),
      });
      if (route.auth === 'none') {
        const reason = PUBLIC_ROUTES[route.fn];
        if (!reason)
          throw new Error(`${route.method} ${route.path} has no JWT authorizer and no PUBLIC_ROUTES reason`);
        for (const created of routes)
          Validations.of(created).acknowledge({ id: 'AwsSolutions-APIG4', reason });
      }
    }

    this.monitoring = new Monitoring(this, 'Monitoring', {
      stage: config.stage,
      functions: fns,
      stateMachine: this.workflow.stateMachine,
      httpApi: this.httpApi,
      deadLetterQueues: stateful.deadLetterQueues,
      streamConsumers: [fns.startPayouts, fns.confirmPayments],
    });
    acknowledgeStatelessChecks({
      functions: fns,
      stateMachine: this.workflow.stateMachine,
      workflowFunctions: [fns.validatePayout, fns.submitTransfer, fns.checkTransfer],
      executionReaders: (Object.keys(FUNCTIONS) as FunctionKey[])
        .filter((key) =>
          FUNCTIONS[key].needs.some((n: string) => n === 'stateMachineRead' || n === 'stateMachineRedrive'),
        )
        .map((key) => fns[key]),
    });

    new CfnOutput(this, 'HttpApiUrl', { value: this.httpApi.apiEndpoint });
    new CfnOutput(this, 'PayoutStateMachineArn', { value: this.workflow.stateMachine.stateMachineArn });
  }

  /**
   * A function run by EventBridge every minute. A run that cannot start at once (the previous one still holds
   * the function's single reserved slot) is dropped after a minute instead of queueing behind it: the next
   * scheduled run does the same work.
   */
  public everyMinute(id: string, description: string, fn: lambda.Function): events.Rule {
    fn.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(1) });
    return new events.Rule(this, id, {
      description,
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 0 })],
    });
  }
}
