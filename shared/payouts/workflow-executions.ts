import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { OwnerPayout } from '../domain/entities';

/** How many runs a payout page shows at most (each is one DescribeExecution): the newest. */
export const MAX_RUNS_SHOWN = 20;

export interface PayoutExecution {
  run: number;
  name: string;
  execution_arn: string;
  status: string;
  start_date: string | null;
  stop_date: string | null;
  error: string | null;
  cause: string | null;
  console_url: string | null;
}

export interface ExecutionDeps {
  sfn: Pick<SFNClient, 'send'>;
  stateMachineArn: string;
  /** The Step Functions console's page of an execution; null where there is no console (the local stack). */
  consoleUrl: (executionArn: string) => string | null;
}

/** The execution ARN of a run: the state machine's ARN with `execution` and the run's name `<payoutId>-<run>`. */
export function executionArnOf(stateMachineArn: string, payoutId: string, run: number): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${payoutId}-${run}`;
}

/**
 * Every workflow run of a payout, newest first (DescribeExecution of `<payoutId>-<run>` for each run). A run the
 * payout recorded but Step Functions does not know is NOT_FOUND: its StartExecution never happened.
 */
export async function payoutExecutions(deps: ExecutionDeps, payout: OwnerPayout): Promise<PayoutExecution[]> {
  const runs: number[] = [];
  for (let run = payout.run; run >= 1 && runs.length < MAX_RUNS_SHOWN; run -= 1) runs.push(run);
  return Promise.all(
    runs.map(async (run) => {
      const arn = executionArnOf(deps.stateMachineArn, payout.id, run);
      const base = {
        run,
        name: `${payout.id}-${run}`,
        execution_arn: arn,
        console_url: deps.consoleUrl(arn),
      };
      try {
        const out = await deps.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
        return {
          ...base,
          status: String(out.status),
          start_date: out.startDate?.toISOString() ?? null,
          stop_date: out.stopDate?.toISOString() ?? null,
          error: out.error ?? null,
          cause: out.cause ?? null,
        };
      } catch (error) {
        if ((error as Error).name !== 'ExecutionDoesNotExist') throw error;
        return { ...base, status: 'NOT_FOUND', start_date: null, stop_date: null, error: null, cause: null };
      }
    }),
  );
}
