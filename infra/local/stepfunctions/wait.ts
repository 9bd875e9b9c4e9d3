import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import type { DescribeExecutionCommandOutput, SFNClient } from '@aws-sdk/client-sfn';

export class ExecutionStillRunningError extends Error {
  public constructor(executionArn: string, timeoutMs: number) {
    super(`Execution ${executionArn} still RUNNING after ${timeoutMs} ms`);
    this.name = 'ExecutionStillRunningError';
  }
}

/** Polls DescribeExecution until the execution is no longer RUNNING. */
export async function waitForExecution(
  client: SFNClient,
  executionArn: string,
  { timeoutMs = 30_000 } = {},
): Promise<DescribeExecutionCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (out.status !== 'RUNNING') return out;
    if (Date.now() > deadline) throw new ExecutionStillRunningError(executionArn, timeoutMs);
    await new Promise((r) => setTimeout(r, 50));
  }
}
