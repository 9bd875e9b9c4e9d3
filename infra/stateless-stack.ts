import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDlq, DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import { API_ROUTES, apiGatewayPath } from './api-routes';
import { FUNCTIONS } from './function-catalog';
import type { FunctionKey, FunctionSpec } from './function-catalog';
import { PayoutWorkflow } from './payout-workflow';
import type { StatefulStack } from './stateful-stack';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface ProviderEndpoints {
  phonepeOAuthBaseUrl: string;
  phonepePgBaseUrl: string;
  cashfreeBaseUrl: string;
  paymentRedirectUrl: string;
}

export interface StatelessStackProps extends StackProps {
  stateful: StatefulStack;
  endpoints: ProviderEndpoints;
}

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

/** The code: functions, HTTP API, payout state machine, stream consumers, alarms. Redeployable at will. */
export class StatelessStack extends Stack {
  public readonly functions: Record<FunctionKey, nodejs.NodejsFunction>;
  public readonly httpApi: apigw.HttpApi;
  public readonly workflow: PayoutWorkflow;

  public constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { stateful, endpoints } = props;

    const logGroups = new Map<string, logs.LogGroup>();
    const makeFunction = (key: string, spec: FunctionSpec) => {
      const logGroup = new logs.LogGroup(this, `${key}Logs`, { retention: logs.RetentionDays.THREE_MONTHS });
      logGroups.set(key, logGroup);
      return new nodejs.NodejsFunction(this, key, {
        entry: `${ROOT}${spec.entry}`,
        handler: 'handler',
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: spec.memoryMb,
        timeout: Duration.seconds(spec.timeoutSeconds),
        description: spec.description,
        logGroup,
        tracing: lambda.Tracing.ACTIVE,
        projectRoot: ROOT,
        depsLockFilePath: `${ROOT}package-lock.json`,
        environment: {
          POWERTOOLS_SERVICE_NAME: spec.service,
          POWERTOOLS_LOG_LEVEL: 'INFO',
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
            fn.addEnvironment('DIRECTORY_TABLE', stateful.directoryTable.tableName);
            // Only the directory's own writers may write it; everyone else reads.
            if (key === 'directoryAdmin' || key === 'ownerPaymentDetails')
              stateful.directoryTable.grantReadWriteData(fn);
            else stateful.directoryTable.grantReadData(fn);
            break;
          case 'payments':
            fn.addEnvironment('PAYMENTS_TABLE', stateful.paymentsTable.tableName);
            stateful.paymentsTable.grantReadWriteData(fn);
            break;
          case 'payouts':
            fn.addEnvironment('PAYOUTS_TABLE', stateful.payoutsTable.tableName);
            stateful.payoutsTable.grantReadWriteData(fn);
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
            this.workflow.stateMachine.grantExecution(fn, 'states:DescribeExecution');
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
    new events.Rule(this, 'ReconcilePaymentsSchedule', {
      description: 'Confirm pending rent payments with the PhonePe order-status API',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(fns.reconcilePayments, { retryAttempts: 0 })],
    });

    const authorizer = new HttpJwtAuthorizer('CognitoJwt', stateful.userPool.userPoolProviderUrl, {
      // The owner app's client and the operators' console's.
      jwtAudience: [stateful.userPoolClient.userPoolClientId, stateful.console.client.userPoolClientId],
    });
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
    });
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
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(accessLogs) },
    });
    const integrations = new Map<FunctionKey, HttpLambdaIntegration>();
    for (const route of API_ROUTES) {
      let integration = integrations.get(route.fn);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${route.fn}Integration`, fns[route.fn]);
        integrations.set(route.fn, integration);
      }
      this.httpApi.addRoutes({
        // HTTP API route paths cannot end in "/", and API Gateway routes "/x/" to the "/x" route anyway,
        // so the owner app's Django-style URLs keep working.
        path: apiGatewayPath(route.path),
        methods: [route.method as apigw.HttpMethod],
        integration,
        ...(route.auth === 'jwt' ? { authorizer } : {}),
      });
    }

    const alarm = (id: string, metric: cloudwatch.IMetric, description: string) =>
      new cloudwatch.Alarm(this, id, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
    alarm(
      'PayoutExecutionsFailed',
      this.workflow.stateMachine.metricFailed({ period: Duration.minutes(5) }),
      'A payout execution failed: payout failed, or an error needs an operator (then redrive).',
    );
    alarm(
      'StartPayoutsDlqNotEmpty',
      stateful.startPayoutsDlq.metricApproximateNumberOfMessagesVisible(),
      'Stream records that could not start a payout.',
    );
    alarm(
      'ConfirmPaymentsDlqNotEmpty',
      stateful.confirmPaymentsDlq.metricApproximateNumberOfMessagesVisible(),
      'PhonePe events that could not be confirmed.',
    );

    // REVERSED after SUCCESS: the money came back to the payout account and the owner was not paid.
    const reversals = new cloudwatch.MathExpression({
      expression: 'SUM(METRICS())',
      usingMetrics: Object.fromEntries(
        (['checkTransfer', 'cashfreeWebhook'] as const).map((key, i) => [
          `r${i}`,
          new logs.MetricFilter(this, `${key}Reversals`, {
            logGroup: logGroups.get(key) as logs.LogGroup,
            filterPattern: logs.FilterPattern.stringValue('$.message', '=', 'Owner payout reversed'),
            metricNamespace: 'RentPayout',
            metricName: `PayoutReversed-${key}`,
            metricValue: '1',
          }).metric({ statistic: 'Sum', period: Duration.minutes(5) }),
        ]),
      ),
      period: Duration.minutes(5),
    });
    alarm(
      'PayoutReversed',
      reversals,
      'Cashfree reversed a completed payout: the owner was not paid; operators must act.',
    );
    const failedPayouts = new logs.MetricFilter(this, 'PayoutFailedFilter', {
      logGroup: logGroups.get('checkTransfer') as logs.LogGroup,
      filterPattern: logs.FilterPattern.stringValue('$.message', '=', 'Owner payout failed'),
      metricNamespace: 'RentPayout',
      metricName: 'PayoutFailed',
      metricValue: '1',
    });
    alarm(
      'PayoutsFailed',
      failedPayouts.metric({ statistic: 'Sum', period: Duration.minutes(5) }),
      'A payout was failed by Cashfree.',
    );

    new CfnOutput(this, 'HttpApiUrl', { value: this.httpApi.apiEndpoint });
    new CfnOutput(this, 'PayoutStateMachineArn', { value: this.workflow.stateMachine.stateMachineArn });
  }
}
