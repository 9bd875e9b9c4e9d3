import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ExecutionNotRedrivable,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalStepFunctions, waitForExecution } from '../../infra/local/stepfunctions';
import type { LocalStateMachine } from '../../infra/local/stepfunctions';

const ARN = 'arn:aws:states:ap-south-1:000000000000:stateMachine:Poller';

/** A small poller shaped like the payout workflow: Submit -> Wait(SecondsPath) -> Check -> Choice loop. */
const definition = {
  StartAt: 'Submit',
  States: {
    Submit: {
      Type: 'Task',
      Resource: 'arn:aws:lambda:ap-south-1:000000000000:function:submit',
      TimeoutSeconds: 10,
      Retry: [{ ErrorEquals: ['TransientError'], IntervalSeconds: 5, MaxAttempts: 2, BackoffRate: 2 }],
      Catch: [{ ErrorEquals: ['PayoutFailedError'], ResultPath: '$.error', Next: 'Failed' }],
      Next: 'WaitForIt',
    },
    WaitForIt: { Type: 'Wait', SecondsPath: '$.waitSeconds', Next: 'Check' },
    Check: {
      Type: 'Task',
      Resource: 'arn:aws:lambda:ap-south-1:000000000000:function:check',
      TimeoutSeconds: 10,
      Next: 'Done?',
    },
    'Done?': {
      Type: 'Choice',
      Choices: [{ Variable: '$.step', StringEquals: 'completed', Next: 'Completed' }],
      Default: 'WaitForIt',
    },
    Completed: { Type: 'Succeed' },
    Failed: { Type: 'Fail', Error: 'PayoutFailed', CausePath: '$.error.Cause' },
  },
};

class NamedError extends Error {
  public constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

interface Counters {
  submit: number;
  check: number;
}

function machine(
  behaviour: {
    submit?: (n: number, input: Record<string, unknown>) => unknown;
    check?: (n: number, input: Record<string, unknown>) => unknown;
  },
  counters: Counters,
): LocalStateMachine {
  return {
    stateMachineArn: ARN,
    name: 'Poller',
    definition,
    taskHandlers: {
      Submit: async (input) => {
        counters.submit += 1;
        const i = input as Record<string, unknown>;
        return behaviour.submit ? behaviour.submit(counters.submit, i) : { ...i, waitSeconds: 60, checks: 0 };
      },
      Check: async (input) => {
        counters.check += 1;
        const i = input as Record<string, unknown>;
        if (behaviour.check) return behaviour.check(counters.check, i);
        const checks = Number(i.checks ?? 0) + 1;
        return { ...i, checks, step: checks >= 2 ? 'completed' : 'pending' };
      },
    },
  };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function start(m: LocalStateMachine, dataFile?: string) {
  const server = await startLocalStepFunctions({
    port: 0,
    stateMachines: [m],
    timeScale: 0.001,
    ...(dataFile ? { dataFile } : {}),
  });
  closers.push(() => server.close());
  const client = new SFNClient({
    endpoint: server.url,
    region: 'ap-south-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return { server, client };
}

describe('local Step Functions endpoint, through the real SFN client', () => {
  it('runs an execution to success with scaled waits and keeps an AWS-shaped history', async () => {
    const counters = { submit: 0, check: 0 };
    const { client } = await start(machine({}, counters));
    const started = await client.send(
      new StartExecutionCommand({
        stateMachineArn: ARN,
        name: 'run-1',
        input: JSON.stringify({ payoutId: 'P1' }),
      }),
    );
    expect(started.executionArn).toBe('arn:aws:states:ap-south-1:000000000000:execution:Poller:run-1');
    const done = await waitForExecution(client, started.executionArn!);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toMatchObject({ payoutId: 'P1', step: 'completed', checks: 2 });
    expect(done.startDate).toBeInstanceOf(Date);
    const history = await client.send(
      new GetExecutionHistoryCommand({ executionArn: started.executionArn! }),
    );
    const types = history.events!.map((e) => e.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types.filter((t) => t === 'WaitStateEntered')).toHaveLength(2);
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    // Two 60 s waits scaled by 0.001: the execution's own timestamps span far less than the unscaled 120 s.
    const span = history.events!.at(-1)!.timestamp!.getTime() - history.events![0]!.timestamp!.getTime();
    expect(span).toBeLessThan(60_000);
    const listed = await client.send(new ListExecutionsCommand({ stateMachineArn: ARN }));
    expect(listed.executions?.map((e) => e.name)).toEqual(['run-1']);
  });

  it('treats the same name and input while running as the same execution, and anything else as a conflict', async () => {
    const counters = { submit: 0, check: 0 };
    const { client } = await start(machine({ submit: (_n, i) => ({ ...i, waitSeconds: 3600 }) }, counters));
    const input = JSON.stringify({ payoutId: 'P2' });
    const a = await client.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'dup', input }));
    const b = await client.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'dup', input }));
    expect(b.executionArn).toBe(a.executionArn);
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'dup', input: '{"other":1}' })),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it('retries on a named error and catches another into a Fail state with its cause', async () => {
    const counters = { submit: 0, check: 0 };
    const { client } = await start(
      machine(
        {
          submit: (n) => {
            if (n === 1) throw new NamedError('TransientError', 'flaky');
            throw new NamedError('PayoutFailedError', 'Payout validation failed: no IFSC');
          },
        },
        counters,
      ),
    );
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: ARN, input: '{}' }),
    );
    const done = await waitForExecution(client, executionArn!);
    expect(counters.submit).toBe(2);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('PayoutFailed');
    expect(done.cause).toBe('Payout validation failed: no IFSC');
    // A run that ended in a Fail state is a decision, not an accident: it is not redriven.
    await expect(
      client.send(new RedriveExecutionCommand({ executionArn: executionArn! })),
    ).rejects.toBeInstanceOf(ExecutionNotRedrivable);
  });

  it.each(['Submit', 'Check'])(
    'redrives after an uncaught failure at %s, from that state, without re-running earlier ones',
    async (failing) => {
      const counters = { submit: 0, check: 0 };
      let broken = true;
      const behaviour = {
        submit: (_n: number, i: Record<string, unknown>) => {
          if (failing === 'Submit' && broken) throw new NamedError('CashfreeAuthError', 'bad credentials');
          return { ...i, waitSeconds: 1, checks: 0 };
        },
        check: (_n: number, i: Record<string, unknown>) => {
          if (failing === 'Check' && broken) throw new NamedError('CashfreeAuthError', 'bad credentials');
          return { ...i, step: 'completed' };
        },
      };
      const { client } = await start(machine(behaviour, counters));
      const { executionArn } = await client.send(
        new StartExecutionCommand({ stateMachineArn: ARN, input: '{"payoutId":"P3"}' }),
      );
      const failed = await waitForExecution(client, executionArn!);
      expect(failed.status).toBe('FAILED');
      expect(failed.error).toBe('CashfreeAuthError');
      expect(failed.redriveStatus).toBe('REDRIVABLE');
      const submitsBefore = counters.submit;
      broken = false;
      await client.send(new RedriveExecutionCommand({ executionArn: executionArn! }));
      const done = await waitForExecution(client, executionArn!);
      expect(done.status).toBe('SUCCEEDED');
      expect(done.redriveCount).toBe(1);
      expect(counters.submit).toBe(failing === 'Submit' ? submitsBefore + 1 : submitsBefore);
      const history = await client.send(new GetExecutionHistoryCommand({ executionArn: executionArn! }));
      expect(history.events!.some((e) => e.type === 'ExecutionRedriven')).toBe(true);
      await expect(
        client.send(new RedriveExecutionCommand({ executionArn: executionArn! })),
      ).rejects.toBeInstanceOf(ExecutionNotRedrivable);
    },
  );

  it('resumes a running execution after a restart of the endpoint', async () => {
    const dataFile = join(mkdtempSync(join(tmpdir(), 'sfn-')), 'executions.json');
    const counters = { submit: 0, check: 0 };
    // 2000 s scaled by 0.001: each wait takes 2 s, long enough to stop the endpoint in the middle of one.
    const slow = machine({ submit: (_n, i) => ({ ...i, waitSeconds: 2000, checks: 0 }) }, counters);
    const first = await start(slow, dataFile);
    const { executionArn } = await first.client.send(
      new StartExecutionCommand({ stateMachineArn: ARN, name: 'resume', input: '{}' }),
    );
    // Wait until it sits in the Wait state, then stop the endpoint mid-wait.
    for (let i = 0; i < 200 && counters.submit === 0; i += 1) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 300));
    await first.server.close();
    const submitsBeforeRestart = counters.submit;
    const fast = machine({}, counters);
    const second = await start(fast, dataFile);
    const done = await waitForExecution(second.client, executionArn!);
    expect(done.status).toBe('SUCCEEDED');
    // It went on from the wait it was in: the transfer was not submitted a second time.
    expect(counters.submit).toBe(submitsBeforeRestart);
  });

  it('answers bad requests with the errors the SDK knows', async () => {
    const { client, server } = await start(machine({}, { submit: 0, check: 0 }));
    await expect(
      client.send(
        new DescribeExecutionCommand({ executionArn: `${ARN.replace('stateMachine', 'execution')}:nope` }),
      ),
    ).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    const raw = await fetch(server.url, {
      method: 'POST',
      headers: {
        'x-amz-target': 'AWSStepFunctions.StartExecution',
        'content-type': 'application/x-amz-json-1.0',
      },
      body: '{not json',
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { __type: string }).__type).toBe('SerializationException');
    const described = await client.send(new DescribeStateMachineCommand({ stateMachineArn: ARN }));
    expect(JSON.parse(described.definition!)).toEqual(definition);
  });
});
