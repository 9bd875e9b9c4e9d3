import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

/** Errors thrown by the task functions, by name (shared/payouts/errors.ts). */
const PAYOUT_FAILED = 'PayoutFailedError';
const TRANSIENT = [
  'TransferOutcomeUnknownError',
  'ConditionalWriteError',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.Unknown',
  'States.Timeout',
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'InternalServerError',
  'TimeoutError',
];

export interface PayoutWorkflowProps {
  validate: lambda.IFunction;
  submit: lambda.IFunction;
  check: lambda.IFunction;
}

/**
 * The payout workflow, read like the flow chart (docs/workflow.md):
 *   ValidatePayout -> SubmitTransfer -> WaitForTransfer -> CheckTransfer -> (poll again | retry | done)
 * Each task returns the whole workflow state (shared/payouts/workflow-state.ts); Choice states route on
 * `step`; Wait states read `waitSeconds`. Tasks are idempotent, so Retry and redrive re-enter them safely.
 * Unexpected errors are not caught: they fail the execution, which an operator redrives after fixing the cause.
 */
export class PayoutWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;

  public constructor(scope: Construct, id: string, props: PayoutWorkflowProps) {
    super(scope, id);

    const payoutFailed = new sfn.Fail(this, 'PayoutFailed', {
      error: 'PayoutFailed',
      causePath: '$.error.Cause',
      comment: 'The payout is failed with its error_message; the execution fails so operators see it.',
    });
    const payoutCompleted = new sfn.Succeed(this, 'PayoutCompleted');

    const task = (name: string, fn: lambda.IFunction, timeoutSeconds: number, comment: string) => {
      const t = new tasks.LambdaInvoke(this, name, {
        lambdaFunction: fn,
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        taskTimeout: sfn.Timeout.duration(Duration.seconds(timeoutSeconds)),
        comment,
      });
      t.addRetry({
        errors: TRANSIENT,
        interval: Duration.seconds(5),
        backoffRate: 2,
        maxAttempts: 6,
        maxDelay: Duration.minutes(5),
        jitterStrategy: sfn.JitterType.FULL,
      });
      t.addCatch(payoutFailed, { errors: [PAYOUT_FAILED], resultPath: '$.error' });
      return t;
    };

    const validate = task(
      'ValidatePayout',
      props.validate,
      30,
      'Owner bank/UPI details valid? Else failed, no Cashfree call.',
    );
    const submit = task(
      'SubmitTransfer',
      props.submit,
      90,
      'Cashfree POST /transfers; on an unknown outcome ask first.',
    );
    const check = task(
      'CheckTransfer',
      props.check,
      45,
      'Cashfree GET /transfers?transfer_id=; apply the status.',
    );

    const waitForTransfer = new sfn.Wait(this, 'WaitForTransfer', {
      time: sfn.WaitTime.secondsPath('$.waitSeconds'),
    });
    const waitBeforeRetry = new sfn.Wait(this, 'WaitBeforeRetry', {
      time: sfn.WaitTime.secondsPath('$.waitSeconds'),
    });
    const waitRateLimit = new sfn.Wait(this, 'WaitForRateLimit', {
      time: sfn.WaitTime.secondsPath('$.waitSeconds'),
    });

    const step = (value: string) => sfn.Condition.stringEquals('$.step', value);

    const definition = validate.next(
      new sfn.Choice(this, 'AlreadyCompleted?').when(step('completed'), payoutCompleted).otherwise(
        submit.next(
          new sfn.Choice(this, 'Submitted?')
            .when(step('completed'), payoutCompleted)
            .when(step('rate_limited'), waitRateLimit.next(submit))
            .otherwise(
              waitForTransfer
                .next(check)
                .next(
                  new sfn.Choice(this, 'TransferFinal?')
                    .when(step('completed'), payoutCompleted)
                    .when(step('retry'), waitBeforeRetry.next(submit))
                    .when(step('resubmit'), submit)
                    .otherwise(waitForTransfer),
                ),
            ),
        ),
      ),
    );

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: Duration.days(30),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ERROR, includeExecutionData: false },
      comment: 'Owner payout: validate, transfer with Cashfree, poll, retry; one execution per payout run.',
    });
  }
}
