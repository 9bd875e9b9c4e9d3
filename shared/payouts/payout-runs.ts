import { DescribeExecutionCommand, RedriveExecutionCommand } from '@aws-sdk/client-sfn';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { OwnerPayout } from '../domain/entities';
import { executionNameFor } from '../domain/ids';

/** The error of the workflow's PayoutFailed Fail state (infra/payout-workflow.ts). */
export const PAYOUT_FAILED_STATE_ERROR = 'PayoutFailed';

export interface RunDeps {
  sfn: Pick<SFNClient, 'send'>;
  stateMachineArn: string;
}

/** The workflow execution of a payout's current run (`<payoutId>-<run>`), as Step Functions describes it. */
export type RunState =
  | { kind: 'missing' }
  | { kind: 'running'; executionArn: string }
  | {
      kind: 'ended';
      executionArn: string;
      status: string;
      error: string | null;
      /** Step Functions can restart it from the state that failed (FAILED, TIMED_OUT, ABORTED, within 14 days). */
      redrivable: boolean;
      reason: string | null;
    };

export function executionArnOf(stateMachineArn: string, payout: Pick<OwnerPayout, 'id' | 'run'>): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionNameFor(payout.id, payout.run)}`;
}

export async function describeRun(deps: RunDeps, payout: Pick<OwnerPayout, 'id' | 'run'>): Promise<RunState> {
  const executionArn = executionArnOf(deps.stateMachineArn, payout);
  try {
    const out = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (out.status === 'RUNNING' || out.status === 'PENDING_REDRIVE')
      return { kind: 'running', executionArn };
    return {
      kind: 'ended',
      executionArn,
      status: String(out.status),
      error: out.error ?? null,
      // An execution that ended in the PayoutFailed state is the workflow's decision that the payout failed:
      // redriving it would only enter that state again, so it counts as not redrivable.
      redrivable:
        out.status !== 'SUCCEEDED' &&
        out.redriveStatus === 'REDRIVABLE' &&
        out.error !== PAYOUT_FAILED_STATE_ERROR,
      reason: out.redriveStatusReason ?? null,
    };
  } catch (error) {
    if ((error as { name?: string }).name === 'ExecutionDoesNotExist') return { kind: 'missing' };
    throw error;
  }
}

/** Restarts an ended execution from the state that failed; false when Step Functions refuses (it has moved on). */
export async function redriveRun(deps: RunDeps, executionArn: string): Promise<boolean> {
  try {
    await deps.sfn.send(new RedriveExecutionCommand({ executionArn }));
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'ExecutionNotRedrivable') return false;
    throw error;
  }
}
