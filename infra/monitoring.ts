import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC_NAMESPACE, MetricName } from '../shared/metrics';
import { FUNCTIONS } from './function-catalog';
import type { FunctionKey } from './function-catalog';

/**
 * Alarms and the dashboard. Every alarm reaches the alarm topic through the AlarmNotifications aspect
 * (infra/aspects.ts); what each one means and what the operator does is in docs/operations.md, "Alarms".
 */
export interface MonitoringProps {
  stage: string;
  functions: Record<FunctionKey, lambda.Function>;
  stateMachine: sfn.StateMachine;
  httpApi: apigw.HttpApi;
  deadLetterQueues: sqs.Queue[];
  /** Functions fed by the payments table's stream. */
  streamConsumers: lambda.Function[];
}

const FIVE_MINUTES = Duration.minutes(5);
/** The functions that apply Cashfree transfer statuses, so log duplicate payments. */
const TRANSFER_STATUS_APPLIERS = [
  'submitTransfer',
  'checkTransfer',
  'cashfreeWebhook',
  'checkPayoutStatus',
  'manualRetry',
  'reconcilePayouts',
] as const satisfies readonly FunctionKey[];
const PAYOUT_STATUSES = ['processing', 'completed', 'retry_scheduled', 'failed', 'reversed'] as const;
const WEBHOOK_OUTCOMES = ['accepted', 'rejected', 'invalid', 'error'] as const;
/** A stream record older than this has waited far longer than processing one takes (seconds). */
export const ITERATOR_AGE_ALARM_MS = 5 * 60 * 1000;

export function businessMetric(
  name: string,
  dimensionsMap: Record<string, string>,
  statistic = 'Sum',
  period: Duration = FIVE_MINUTES,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRIC_NAMESPACE,
    metricName: name,
    dimensionsMap,
    statistic,
    period,
  });
}

export class Monitoring extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;
  public readonly alarms: cloudwatch.Alarm[] = [];

  public constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { functions, stateMachine, httpApi } = props;

    /** At least `threshold` in one five-minute period (or in each of `periods` periods in a row). */
    const alarm = (
      alarmId: string,
      metric: cloudwatch.IMetric,
      description: string,
      options: { threshold?: number; periods?: number } = {},
    ) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        alarmName: `rent-payout-${props.stage}-${alarmId}`,
        metric,
        threshold: options.threshold ?? 1,
        evaluationPeriods: options.periods ?? 1,
        datapointsToAlarm: options.periods ?? 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      this.alarms.push(created);
      return created;
    };

    // Payouts.
    alarm(
      'PayoutExecutionsFailed',
      stateMachine.metricFailed({ period: FIVE_MINUTES, statistic: 'Sum' }),
      'A payout workflow execution failed: the payout failed (use manual retry), or an error stopped it ' +
        '(fix the cause, then redrive the execution).',
    );
    alarm(
      'PayoutsFailed',
      businessMetric(MetricName.payoutStatusChanges, { Status: 'failed' }),
      'A payout became failed (Cashfree failed or rejected it, or the owner details are invalid): read its ' +
        'error_message, fix the cause, then manual retry.',
    );
    alarm(
      'PayoutReversed',
      businessMetric(MetricName.payoutStatusChanges, { Status: 'reversed' }),
      'Cashfree reversed a completed payout: the money came back and the owner was not paid. Contact the ' +
        'owner, fix the account, pay again.',
    );
    alarm(
      'PayoutsNeedAttention',
      businessMetric(MetricName.payoutsFlagged, { Flag: 'NeedsAttention' }),
      'A payout was flagged needs_attention (still processing at Cashfree after hours, a reversal, or an ' +
        'earlier attempt reporting success): check it with Cashfree.',
    );

    alarm(
      'PayoutExecutionsTimedOut',
      stateMachine.metricTimedOut({ period: FIVE_MINUTES, statistic: 'Sum' }),
      'A payout workflow execution timed out: the payout reconciler starts a new run; check why it ran so long.',
    );
    alarm(
      'PayoutExecutionsAborted',
      stateMachine.metricAborted({ period: FIVE_MINUTES, statistic: 'Sum' }),
      'A payout workflow execution was stopped: the payout reconciler redrives it; check who stopped it and why.',
    );

    // Provider webhooks and the HTTP API.
    for (const [provider, label] of [
      ['phonepe', 'PhonePe'],
      ['cashfree', 'Cashfree'],
    ] as const) {
      alarm(
        `${label}WebhookErrors`,
        businessMetric(MetricName.webhookRequests, { Provider: provider, Outcome: 'error' }),
        `The ${label} webhook answered 5xx: ${label} will retry, but find the error in the function's logs.`,
      );
    }
    alarm(
      'ApiServerErrors',
      httpApi.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
      'The HTTP API answered 5xx: see the access log (status, integrationError) and the function logs.',
    );

    // Dead letters and the stream.
    for (const queue of props.deadLetterQueues) {
      alarm(
        `${queue.node.id}NotEmpty`,
        queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
        `${queue.node.id} holds records that failed every retry: read them, fix the cause, replay them.`,
      );
    }
    for (const fn of props.streamConsumers) {
      alarm(
        `${fn.node.id}IteratorAge`,
        fn.metric('IteratorAge', { period: FIVE_MINUTES, statistic: 'Maximum' }),
        `${fn.node.id} is behind on the payments stream by more than 5 minutes: check its errors and throttles.`,
        { threshold: ITERATOR_AGE_ALARM_MS },
      );
    }

    // The reconciler acting means a webhook or a stream record did not.
    alarm(
      'PaymentReconcilerActed',
      businessMetric(MetricName.reconcilerActions, { Reconciler: 'payments' }),
      'The payments reconciler completed, failed or expired a payment, or started a payout, that a PhonePe ' +
        'webhook or the stream should have: check the PhonePe webhook settings and the stream consumers.',
    );

    // Log lines an operator must act on, counted over every function that can write them: one metric fed by a
    // filter on each of those functions' log groups.
    const logAlarm = (
      alarmId: string,
      message: string,
      keys: readonly FunctionKey[],
      description: string,
    ) => {
      for (const key of keys) {
        const logGroup = functions[key].logGroup;
        new logs.MetricFilter(this, `${key}${alarmId}`, {
          logGroup,
          filterPattern: logs.FilterPattern.stringValue('$.message', '=', message),
          metricNamespace: METRIC_NAMESPACE,
          metricName: alarmId,
          metricValue: '1',
        });
      }
      return alarm(
        alarmId,
        new cloudwatch.Metric({
          namespace: METRIC_NAMESPACE,
          metricName: alarmId,
          statistic: 'Sum',
          period: FIVE_MINUTES,
        }),
        description,
      );
    };
    logAlarm(
      'DuplicateRentPayment',
      'Duplicate rent payment',
      ['confirmPayments', 'reconcilePayments', 'startPayouts', 'paymentsAdmin'],
      'A rent period was paid twice: refund the duplicate (GET /api/admin/payments/?flag=duplicate_payment).',
    );
    logAlarm(
      'PaymentAmountMismatch',
      'Payment amount mismatch',
      ['confirmPayments', 'reconcilePayments'],
      'PhonePe reported another amount than the rent: review it (GET /api/admin/payments/?flag=amount_mismatch).',
    );
    // A function whose credentials secret still holds placeholders refuses its work with this ERROR line.
    logAlarm(
      'CredentialsArePlaceholders',
      'Credentials are placeholders',
      (Object.keys(FUNCTIONS) as FunctionKey[]).filter((key) =>
        FUNCTIONS[key].needs.some(
          (n: string) => n === 'phonepe' || n === 'cashfree' || n === 'paymentDetailsKey',
        ),
      ),
      'A function refused its work: a credentials secret still holds placeholders (docs/operations.md, Secrets).',
    );

    alarm(
      'PayoutReconcilerActed',
      businessMetric(MetricName.reconcilerActions, { Reconciler: 'payouts' }),
      'The payout reconciler resumed a run or applied a status nobody else had: a webhook, a start or a run was ' +
        'lost; its "Payout reconciler run" log line says which payouts.',
    );
    logAlarm(
      'DuplicatePayout',
      'Duplicate owner payout: two transfers succeeded',
      TRANSFER_STATUS_APPLIERS,
      'Two transfers of one payout succeeded: the owner was paid twice; recover one (docs/operations.md).',
    );

    // Every function: errors, and throttles (sustained for 15 minutes where throttling is the design).
    for (const [key, spec] of Object.entries(FUNCTIONS) as [FunctionKey, (typeof FUNCTIONS)[FunctionKey]][]) {
      const fn = functions[key];
      alarm(
        `${key}Errors`,
        fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
        `${spec.service} failed invocations: read its log group for the error.`,
      );
      const capped = 'reservedConcurrency' in spec;
      alarm(
        `${key}Throttles`,
        fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
        capped
          ? `${spec.service} has been throttled for 15 minutes at its reserved concurrency: more work than it ` +
              'is designed to take; see docs/deploy.md, "Rate limits".'
          : `${spec.service} was throttled: the account's Lambda concurrency is exhausted.`,
        { periods: capped ? 3 : 1 },
      );
    }

    this.dashboard = this.buildDashboard(props);
  }

  private buildDashboard(props: MonitoringProps): cloudwatch.Dashboard {
    const { functions, stateMachine, httpApi } = props;
    const hour = Duration.hours(1);
    const fns = Object.entries(functions) as [FunctionKey, lambda.Function][];
    const graph = (
      title: string,
      left: cloudwatch.IMetric[],
      extra: Partial<cloudwatch.GraphWidgetProps> = {},
    ) => new cloudwatch.GraphWidget({ title, left, width: 12, height: 6, ...extra });

    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `rent-payout-${props.stage}`,
      defaultInterval: Duration.days(1),
    });
    dashboard.addWidgets(
      graph(
        'Payouts by status (per hour)',
        PAYOUT_STATUSES.map((status) =>
          businessMetric(MetricName.payoutStatusChanges, { Status: status }, 'Sum', hour).with({
            label: status,
          }),
        ),
        { stacked: true },
      ),
      graph(
        'Payout latency from initiation, p50 and p99 (s)',
        (['PayoutInitiated', 'TransferRequested', 'Completed'] as const).flatMap((milestone) =>
          ['p50', 'p99'].map((stat) =>
            businessMetric(MetricName.payoutLatency, { Milestone: milestone }, stat).with({
              label: `${milestone} ${stat}`,
            }),
          ),
        ),
      ),
    );
    dashboard.addWidgets(
      graph(
        'Webhook outcomes',
        (['phonepe', 'cashfree'] as const).flatMap((provider) =>
          WEBHOOK_OUTCOMES.map((outcome) =>
            businessMetric(MetricName.webhookRequests, { Provider: provider, Outcome: outcome }).with({
              label: `${provider} ${outcome}`,
            }),
          ),
        ),
      ),
      graph(
        'Webhook latency, p50 and p99 (ms)',
        (['phonepe', 'cashfree'] as const).flatMap((provider) =>
          ['p50', 'p99'].map((stat) =>
            businessMetric(MetricName.webhookLatency, { Provider: provider }, stat).with({
              label: `${provider} ${stat}`,
            }),
          ),
        ),
        {
          right: [
            httpApi.metricLatency({ statistic: 'p99', period: FIVE_MINUTES }).with({ label: 'API p99' }),
          ],
        },
      ),
    );
    dashboard.addWidgets(
      graph('Errors', [
        ...fns.map(([key, fn]) =>
          fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }).with({ label: key }),
        ),
        httpApi.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }).with({ label: 'API 5xx' }),
        stateMachine
          .metricFailed({ period: FIVE_MINUTES, statistic: 'Sum' })
          .with({ label: 'executions failed' }),
        stateMachine
          .metricTimedOut({ period: FIVE_MINUTES, statistic: 'Sum' })
          .with({ label: 'executions timed out' }),
        stateMachine
          .metricAborted({ period: FIVE_MINUTES, statistic: 'Sum' })
          .with({ label: 'executions aborted' }),
      ]),
      graph(
        'Throttles',
        fns.map(([key, fn]) =>
          fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }).with({ label: key }),
        ),
      ),
    );
    dashboard.addWidgets(
      graph('Payout retries and attention flags', [
        ...(['automatic', 'manual'] as const).map((kind) =>
          businessMetric(MetricName.payoutRetries, { Kind: kind }).with({ label: `${kind} retries` }),
        ),
        businessMetric(MetricName.payoutsFlagged, { Flag: 'NeedsAttention' }).with({
          label: 'needs attention',
        }),
      ]),
      graph('HTTP API requests and errors', [
        httpApi.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' }).with({ label: 'requests' }),
        httpApi.metricClientError({ period: FIVE_MINUTES, statistic: 'Sum' }).with({ label: '4xx' }),
        httpApi.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }).with({ label: '5xx' }),
      ]),
    );
    dashboard.addWidgets(
      graph(
        'Dead-letter queue depth',
        props.deadLetterQueues.map((queue) =>
          queue
            .metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' })
            .with({ label: queue.node.id }),
        ),
      ),
      graph(
        'Reconciler actions',
        (['payments', 'payouts'] as const).map((reconciler) =>
          businessMetric(MetricName.reconcilerActions, { Reconciler: reconciler }).with({
            label: reconciler,
          }),
        ),
        {
          right: props.streamConsumers.map((fn) =>
            fn.metric('IteratorAge', { period: FIVE_MINUTES, statistic: 'Maximum' }).with({
              label: `${fn.node.id} iterator age (ms)`,
            }),
          ),
        },
      ),
    );
    return dashboard;
  }
}
