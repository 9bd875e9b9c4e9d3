import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { JSONPath } from 'jsonpath-plus';
import { StateMachine } from 'aws-local-stepfunctions';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { z } from 'zod';
import { FaultBook, serveFaultControl } from '../sandboxes/faults';
import { SandboxRequestError, sendJson } from '../sandboxes/http-util';

/**
 * A local Step Functions endpoint (AWS JSON 1.0 protocol) so that `@aws-sdk/client-sfn` code runs unchanged:
 * Start/Describe/List/Stop/GetExecutionHistory/RedriveExecution and Describe/ListStateMachines. Executions run
 * the synthesized ASL with `aws-local-stepfunctions`, Task states call local functions by state name, waits and
 * retry intervals are scaled by `timeScale`, and executions are persisted so a restart resumes them.
 * `/_sandbox/faults` (docs/local-stack.md) makes chosen calls fail, so tests can see what a failed
 * StartExecution leaves behind.
 */
export interface LocalStateMachine {
  stateMachineArn: string;
  name: string;
  definition: object;
  taskHandlers: Record<string, (input: unknown) => Promise<unknown>>;
}

export interface LocalStepFunctionsOptions {
  port: number;
  host?: string;
  stateMachines: LocalStateMachine[];
  timeScale: number;
  dataFile?: string;
  log?: (msg: string, data?: Record<string, unknown>) => void;
}

type Status = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: Status;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: number;
  stopDate?: number;
  redriveCount: number;
  redriveDate?: number;
  /** The last state entered and its input: where a redrive or a resume starts. */
  lastState?: { name: string; type: string; input: unknown };
  events: HistoryEvent[];
}

class ApiError extends Error {
  public constructor(
    public readonly type: string,
    message: string,
    public readonly status = 400,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

// Step Functions execution names: 1-80 characters, no whitespace, no < > { } [ ] ? * " # % \\ ^ | ~ ` $ & , ; : /
// and no control characters.
const NAME_FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;
const isValidName = (name: string) =>
  name.length >= 1 &&
  name.length <= 80 &&
  !NAME_FORBIDDEN.test(name) &&
  ![...name].some((c) => c.charCodeAt(0) < 32 || (c.charCodeAt(0) >= 127 && c.charCodeAt(0) <= 159));
const seconds = (ms: number) => ms / 1000;
const EXECUTION_NAME = z.string().refine(isValidName, 'an execution name');

const ENTERED: Record<string, string> = {
  Task: 'TaskStateEntered',
  Wait: 'WaitStateEntered',
  Choice: 'ChoiceStateEntered',
  Pass: 'PassStateEntered',
  Succeed: 'SucceedStateEntered',
  Fail: 'FailStateEntered',
  Map: 'MapStateEntered',
  Parallel: 'ParallelStateEntered',
};
const EXITED: Record<string, string> = {
  Task: 'TaskStateExited',
  Wait: 'WaitStateExited',
  Choice: 'ChoiceStateExited',
  Pass: 'PassStateExited',
  Succeed: 'SucceedStateExited',
  Map: 'MapStateExited',
  Parallel: 'ParallelStateExited',
};

const faultsSchema = z.strictObject({
  // The next n StartExecution calls answer ExecutionLimitExceeded, as Step Functions does at its open-executions
  // quota; nothing is started.
  startExecutionFailures: z.number().int().min(0).max(1000).optional(),
});
type Faults = z.infer<typeof faultsSchema>;

function executionArnFor(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** setTimeout for any duration: Node's timers hold at most 2^31-1 ms, so long waits are re-armed in steps. */
function longTimer(ms: number, fn: () => void): () => void {
  const MAX = 2_147_483_000;
  let timer: NodeJS.Timeout;
  const arm = (left: number) => {
    timer = setTimeout(() => (left > MAX ? arm(left - MAX) : fn()), Math.min(left, MAX));
    timer.unref();
  };
  arm(ms);
  return () => clearTimeout(timer);
}

function stringify(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export async function startLocalStepFunctions(
  opts: LocalStepFunctionsOptions,
): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const log = opts.log ?? (() => undefined);
  // The runner annotates the definition it is given (QueryLanguage on every state), so it only ever gets
  // copies: DescribeStateMachine answers with the definition exactly as synthesized.
  const machines = new Map(
    opts.stateMachines.map((m) => [
      m.stateMachineArn,
      { ...m, definitionText: JSON.stringify(m.definition) },
    ]),
  );
  for (const m of opts.stateMachines) {
    new StateMachine(structuredClone(m.definition) as StateMachineDefinition, {
      validationOptions: { checkArn: false },
    });
  }
  const executions = new Map<string, ExecutionRecord>();
  // Faults, global or for one execution name (`<payoutId>-<run>`), so a test's fault meets only its own call.
  const faults = new FaultBook<Faults>(() => ({}));
  const aborters = new Map<string, () => void>();
  const runs = new Set<Promise<void>>();
  let closing = false;

  if (opts.dataFile && existsSync(opts.dataFile)) {
    const saved = JSON.parse(readFileSync(opts.dataFile, 'utf8')) as { executions: ExecutionRecord[] };
    for (const e of saved.executions) executions.set(e.executionArn, e);
  }

  let saveTimer: NodeJS.Timeout | null = null;
  const saveNow = () => {
    if (!opts.dataFile) return;
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = null;
    mkdirSync(dirname(opts.dataFile), { recursive: true });
    const tmp = `${opts.dataFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ executions: [...executions.values()] }));
    renameSync(tmp, opts.dataFile);
  };
  const save = () => {
    if (!opts.dataFile || saveTimer) return;
    saveTimer = setTimeout(saveNow, 50);
  };

  const addEvent = (
    record: ExecutionRecord,
    type: string,
    details: Record<string, unknown> = {},
    at = Date.now(),
  ) => {
    const id = record.events.length + 1;
    record.events.push({ id, previousEventId: id - 1, timestamp: seconds(at), type, ...details });
  };

  /** Runs (or re-runs, from `startAt` with `input`) an execution to its end, recording AWS-shaped history. */
  const run = (
    record: ExecutionRecord,
    machine: LocalStateMachine,
    startAt: string | null,
    input: unknown,
  ) => {
    const base = structuredClone(machine.definition) as StateMachineDefinition;
    // The execution timeout (TimeoutSeconds, days for the payout workflow) is enforced here rather than by the
    // runner, whose single setTimeout cannot hold more than 24.8 days; it is scaled like every other wait.
    const { TimeoutSeconds: executionTimeout, ...rest } = base;
    const definition = { ...rest, StartAt: startAt ?? base.StartAt } as StateMachineDefinition;
    const states = definition.States as unknown as Record<string, Record<string, unknown>>;
    // The data the next Wait state will see: each Task's result is the whole state in this project, and Choice
    // states pass it through. Set synchronously by the task wrappers (the event log is read asynchronously and
    // would lag behind the running states).
    let current: unknown = input;
    const waitMs = (stateName: string): number | undefined => {
      const state = states[stateName];
      if (!state || state.Type !== 'Wait') return undefined;
      const at = (path: unknown) =>
        JSONPath({ path: String(path), json: current as object, wrap: false }) as unknown;
      let secs: number | undefined;
      if (typeof state.Seconds === 'number') secs = state.Seconds;
      else if (state.SecondsPath) secs = Number(at(state.SecondsPath));
      else if (state.Timestamp || state.TimestampPath) {
        const ts = state.Timestamp ? String(state.Timestamp) : String(at(state.TimestampPath));
        secs = Math.max(0, (Date.parse(ts) - Date.now()) / 1000);
      }
      if (secs === undefined || !Number.isFinite(secs) || secs < 0) return undefined; // the runner reports the bad path
      return secs * 1000 * opts.timeScale;
    };
    const waitTimeOverrides = new Proxy({} as Record<string, number>, {
      get: (_t, key) => (typeof key === 'string' ? waitMs(key) : undefined),
      has: (_t, key) => typeof key === 'string' && waitMs(key) !== undefined,
    });
    const retryIntervalOverrides: Record<string, number[]> = {};
    for (const [name, state] of Object.entries(states)) {
      const retriers = state.Retry as { IntervalSeconds?: number; BackoffRate?: number }[] | undefined;
      // Scaled first intervals; backoff growth is not reproduced locally (documented in docs/local-stack.md).
      if (retriers)
        retryIntervalOverrides[name] = retriers.map((r) => (r.IntervalSeconds ?? 1) * 1000 * opts.timeScale);
    }
    const taskResourceLocalHandlers: Record<string, (i: unknown) => Promise<unknown>> = {};
    for (const [name, handler] of Object.entries(machine.taskHandlers)) {
      taskResourceLocalHandlers[name] = async (taskInput: unknown) => {
        const out = await handler(taskInput);
        current = out;
        return out;
      };
    }
    // The definition is validated once, when the endpoint starts. Validating it again for every execution
    // compiled the validator's JSON schemas each time (about 80 ms of CPU per execution), and a restart
    // point makes earlier states unreachable, which the validator would reject anyway.
    const sm = new StateMachine(definition, { validationOptions: { noValidate: true } });
    const execution = sm.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: taskResourceLocalHandlers as never,
        waitTimeOverrides,
        retryIntervalOverrides,
      },
      noThrowOnAbort: true,
      context: {
        Execution: {
          Id: record.executionArn,
          Name: record.name,
          StartTime: new Date(record.startDate * 1000).toISOString(),
          Input: JSON.parse(record.input) as never,
        },
      },
    });
    let timedOut = false;
    const cancelTimeout =
      executionTimeout === undefined
        ? () => undefined
        : longTimer(
            Math.max(0, record.startDate * 1000 + executionTimeout * 1000 * opts.timeScale - Date.now()),
            () => {
              timedOut = true;
              execution.abort();
            },
          );
    aborters.set(record.executionArn, () => {
      cancelTimeout();
      execution.abort();
    });

    const consume = (async () => {
      for await (const ev of execution.eventLogs) {
        switch (ev.type) {
          case 'StateEntered':
            record.lastState = { name: ev.state.name, type: ev.state.type, input: ev.state.input };
            addEvent(
              record,
              ENTERED[ev.state.type] ?? 'StateEntered',
              { stateEnteredEventDetails: { name: ev.state.name, input: stringify(ev.state.input) } },
              ev.timestamp,
            );
            break;
          case 'StateExited':
            addEvent(
              record,
              EXITED[ev.state.type] ?? 'StateExited',
              { stateExitedEventDetails: { name: ev.state.name, output: stringify(ev.state.output) } },
              ev.timestamp,
            );
            break;
          case 'StateFailed':
            addEvent(
              record,
              'TaskFailed',
              {
                taskFailedEventDetails: {
                  resourceType: 'lambda',
                  resource: 'invoke',
                  error: ev.Error,
                  cause: String(ev.Cause ?? ''),
                },
              },
              ev.timestamp,
            );
            break;
          case 'StateRetried':
            log('state retried', { execution: record.name, state: ev.state.name, attempt: ev.retry.attempt });
            break;
          case 'StateCaught':
            log('state caught', { execution: record.name, state: ev.state.name });
            break;
          default:
            break;
        }
        save();
      }
    })();

    const done = (async () => {
      try {
        const output = await execution.result;
        cancelTimeout();
        await consume.catch(() => undefined);
        if (closing && record.status === 'RUNNING') return; // stopped by close(): resumed at the next start
        if (timedOut && record.status === 'RUNNING') {
          record.status = 'TIMED_OUT';
          record.error = 'States.Timeout';
          record.cause = 'The execution ran longer than its TimeoutSeconds';
          record.stopDate = seconds(Date.now());
          addEvent(record, 'ExecutionTimedOut', {
            executionTimedOutEventDetails: { error: record.error, cause: record.cause },
          });
          return;
        }
        if (record.status !== 'RUNNING') return; // stopped by StopExecution
        record.status = 'SUCCEEDED';
        record.output = stringify(output);
        record.stopDate = seconds(Date.now());
        addEvent(record, 'ExecutionSucceeded', { executionSucceededEventDetails: { output: record.output } });
      } catch (error) {
        cancelTimeout();
        await consume.catch(() => undefined);
        if (closing) return;
        if (record.status !== 'RUNNING') return;
        const e = error as { name?: string; message?: string; constructor?: { name?: string } };
        const timedOut = e.constructor?.name === 'ExecutionTimeoutError';
        const failedEvent = [...record.events]
          .reverse()
          .find((x) => x.type === 'TaskFailed' || x.type === 'FailStateEntered');
        const details = (failedEvent?.taskFailedEventDetails ?? {}) as { error?: string; cause?: string };
        const failState =
          record.lastState?.type === 'Fail'
            ? (states[record.lastState.name] as
                { Error?: string; ErrorPath?: string; Cause?: string; CausePath?: string } | undefined)
            : undefined;
        let errorName = details.error ?? 'States.Runtime';
        let cause = details.cause ?? e.message ?? '';
        if (failState) {
          const data = record.lastState?.input as object;
          errorName =
            failState.Error ??
            (failState.ErrorPath
              ? String(JSONPath({ path: failState.ErrorPath, json: data, wrap: false }))
              : 'States.Fail');
          cause =
            failState.Cause ??
            (failState.CausePath
              ? String(JSONPath({ path: failState.CausePath, json: data, wrap: false }) ?? '')
              : '');
        }
        record.status = timedOut ? 'TIMED_OUT' : 'FAILED';
        record.error = timedOut ? 'States.Timeout' : errorName;
        record.cause = cause;
        record.stopDate = seconds(Date.now());
        addEvent(record, timedOut ? 'ExecutionTimedOut' : 'ExecutionFailed', {
          [timedOut ? 'executionTimedOutEventDetails' : 'executionFailedEventDetails']: {
            error: record.error,
            cause: record.cause,
          },
        });
        log('execution failed', {
          execution: record.name,
          error: record.error,
          state: record.lastState?.name,
        });
      } finally {
        aborters.delete(record.executionArn);
        if (!closing) save();
      }
    })();
    runs.add(done);
    void done.finally(() => runs.delete(done));
  };

  const machineOf = (arn: unknown): LocalStateMachine & { definitionText: string } => {
    if (typeof arn !== 'string' || !arn.startsWith('arn:'))
      throw new ApiError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    const m = machines.get(arn);
    if (!m) throw new ApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return m;
  };
  const executionOf = (arn: unknown): ExecutionRecord => {
    if (typeof arn !== 'string' || !arn.startsWith('arn:'))
      throw new ApiError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    const e = executions.get(arn);
    if (!e) throw new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return e;
  };
  const redriveStatus = (e: ExecutionRecord): { redriveStatus: string; redriveStatusReason?: string } => {
    if (e.status === 'RUNNING')
      return {
        redriveStatus: 'NOT_REDRIVABLE',
        redriveStatusReason: 'Execution is RUNNING and cannot be redriven',
      };
    if (e.status === 'SUCCEEDED')
      return {
        redriveStatus: 'NOT_REDRIVABLE',
        redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
      };
    if (!e.lastState)
      return {
        redriveStatus: 'NOT_REDRIVABLE',
        redriveStatusReason: 'Execution has no failed state to restart from',
      };
    // Failing in a Fail state is the workflow's own decision (here: the payout is failed); running that state
    // again would only fail again. A failed payout goes on through a manual retry, which starts a new run.
    if (e.lastState.type === 'Fail')
      return { redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution failed in a Fail state' };
    return { redriveStatus: 'REDRIVABLE' };
  };
  const summary = (e: ExecutionRecord) => ({
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: e.startDate,
    ...(e.stopDate !== undefined ? { stopDate: e.stopDate } : {}),
    redriveCount: e.redriveCount,
    ...(e.redriveDate !== undefined ? { redriveDate: e.redriveDate } : {}),
  });
  const page = <T>(items: T[], body: Record<string, unknown>, defaultSize: number) => {
    const size =
      body.maxResults === undefined || body.maxResults === 0 ? defaultSize : Number(body.maxResults);
    if (!Number.isInteger(size) || size < 1 || size > 1000)
      throw new ApiError('ValidationException', 'maxResults must be between 1 and 1000');
    let start = 0;
    if (body.nextToken !== undefined) {
      start = Number(Buffer.from(String(body.nextToken), 'base64url').toString('utf8'));
      if (!Number.isInteger(start) || start < 0) throw new ApiError('InvalidToken', 'Invalid nextToken');
    }
    const slice = items.slice(start, start + size);
    const next =
      start + size < items.length ? Buffer.from(String(start + size)).toString('base64url') : undefined;
    return { slice, next };
  };

  const operations: Record<string, (body: Record<string, unknown>) => unknown> = {
    StartExecution: (body) => {
      const machine = machineOf(body.stateMachineArn);
      const name = body.name === undefined ? randomUUID() : String(body.name);
      if (!isValidName(name)) throw new ApiError('InvalidName', `Invalid Name: '${name}'`);
      const inputText = body.input === undefined ? '{}' : String(body.input);
      let input: unknown;
      try {
        input = JSON.parse(inputText);
      } catch {
        throw new ApiError('InvalidExecutionInput', 'Invalid execution input: not JSON');
      }
      const executionArn = executionArnFor(machine.stateMachineArn, name);
      if (faults.take('startExecutionFailures', name))
        throw new ApiError(
          'ExecutionLimitExceeded',
          'The maximum number of open executions has been reached.',
        );
      const existing = executions.get(executionArn);
      if (existing) {
        // Standard workflows: same name and input while running is idempotent; anything else is a conflict.
        if (existing.status === 'RUNNING' && existing.input === inputText)
          return { executionArn, startDate: existing.startDate };
        throw new ApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
      }
      const record: ExecutionRecord = {
        executionArn,
        stateMachineArn: machine.stateMachineArn,
        name,
        status: 'RUNNING',
        input: inputText,
        startDate: seconds(Date.now()),
        redriveCount: 0,
        events: [],
      };
      addEvent(record, 'ExecutionStarted', {
        executionStartedEventDetails: {
          input: inputText,
          inputDetails: { truncated: false },
          roleArn: 'arn:aws:iam::000000000000:role/local',
        },
      });
      executions.set(executionArn, record);
      save();
      run(record, machine, null, input);
      return { executionArn, startDate: record.startDate };
    },
    DescribeExecution: (body) => {
      const e = executionOf(body.executionArn);
      return {
        ...summary(e),
        input: e.input,
        inputDetails: { included: true },
        ...(e.output !== undefined ? { output: e.output, outputDetails: { included: true } } : {}),
        ...(e.error !== undefined ? { error: e.error } : {}),
        ...(e.cause !== undefined ? { cause: e.cause } : {}),
        ...redriveStatus(e),
      };
    },
    ListExecutions: (body) => {
      const machine = machineOf(body.stateMachineArn);
      const filter = body.statusFilter === undefined ? null : String(body.statusFilter);
      const all = [...executions.values()]
        .filter((e) => e.stateMachineArn === machine.stateMachineArn && (!filter || e.status === filter))
        .sort((a, b) => b.startDate - a.startDate);
      const { slice, next } = page(all, body, 100);
      return { executions: slice.map(summary), ...(next ? { nextToken: next } : {}) };
    },
    GetExecutionHistory: (body) => {
      const e = executionOf(body.executionArn);
      const events = body.reverseOrder === true ? [...e.events].reverse() : e.events;
      const { slice, next } = page(events, body, 100);
      return { events: slice, ...(next ? { nextToken: next } : {}) };
    },
    StopExecution: (body) => {
      const e = executionOf(body.executionArn);
      const stopDate = seconds(Date.now());
      if (e.status === 'RUNNING') {
        e.status = 'ABORTED';
        e.stopDate = stopDate;
        if (body.error !== undefined) e.error = String(body.error);
        if (body.cause !== undefined) e.cause = String(body.cause);
        addEvent(e, 'ExecutionAborted', { executionAbortedEventDetails: { error: e.error, cause: e.cause } });
        aborters.get(e.executionArn)?.();
        save();
      }
      return { stopDate };
    },
    RedriveExecution: (body) => {
      const e = executionOf(body.executionArn);
      const status = redriveStatus(e);
      if (status.redriveStatus !== 'REDRIVABLE' || !e.lastState) {
        throw new ApiError(
          'ExecutionNotRedrivable',
          status.redriveStatusReason ?? 'Execution cannot be redriven',
        );
      }
      const machine = machineOf(e.stateMachineArn);
      const redriveDate = seconds(Date.now());
      e.status = 'RUNNING';
      e.redriveCount += 1;
      e.redriveDate = redriveDate;
      delete e.error;
      delete e.cause;
      delete e.stopDate;
      addEvent(e, 'ExecutionRedriven', { executionRedrivenEventDetails: { redriveCount: e.redriveCount } });
      save();
      // Restart from the state that failed, with the input it was entered with.
      run(e, machine, e.lastState.name, e.lastState.input);
      return { redriveDate };
    },
    DescribeStateMachine: (body) => {
      const m = machineOf(body.stateMachineArn);
      return {
        stateMachineArn: m.stateMachineArn,
        name: m.name,
        status: 'ACTIVE',
        definition: m.definitionText,
        roleArn: 'arn:aws:iam::000000000000:role/local',
        type: 'STANDARD',
        creationDate: 0,
      };
    },
    ListStateMachines: () => ({
      stateMachines: [...machines.values()].map((m) => ({
        stateMachineArn: m.stateMachineArn,
        name: m.name,
        type: 'STANDARD',
        creationDate: 0,
      })),
    }),
  };

  // Executions that were running when the endpoint last stopped go on from the state they had entered.
  for (const record of executions.values()) {
    if (record.status !== 'RUNNING' || !record.lastState) continue;
    const machine = machines.get(record.stateMachineArn);
    if (!machine) continue;
    addEvent(record, 'ExecutionResumedLocally', {
      note: `local endpoint restarted; resuming at ${record.lastState.name}`,
    });
    run(record, machine, record.lastState.name, record.lastState.input);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname === '/_sandbox/faults') {
      const control = {
        schema: faultsSchema,
        scopeName: 'executionName',
        scope: EXECUTION_NAME,
        errorCode: 'bad_request',
      };
      serveFaultControl(faults, control, req, res, url)
        .then((served) => {
          if (!served) sendJson(res, 405, { code: 'bad_request', message: 'GET or POST only' });
        })
        .catch((error: unknown) => {
          const e =
            error instanceof SandboxRequestError
              ? error
              : new SandboxRequestError(500, 'error', String(error));
          sendJson(res, e.status, { code: e.code, message: e.message });
        });
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-requestid': randomUUID(),
        });
        res.end(text);
      };
      try {
        const target = String(req.headers['x-amz-target'] ?? '');
        const op = target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : '';
        const handler = operations[op];
        if (req.method !== 'POST' || !handler)
          throw new ApiError('UnknownOperationException', `Unknown operation ${target || '(none)'}`);
        let body: unknown;
        try {
          body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
        } catch {
          throw new ApiError('SerializationException', 'Request body is not valid JSON');
        }
        if (body === null || typeof body !== 'object' || Array.isArray(body))
          throw new ApiError('SerializationException', 'Request body must be a JSON object');
        reply(200, handler(body as Record<string, unknown>));
      } catch (error) {
        if (error instanceof ApiError) reply(error.status, { __type: error.type, message: error.message });
        else reply(500, { __type: 'InternalServerError', message: (error as Error).message });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    close: async () => {
      closing = true;
      for (const abort of aborters.values()) abort();
      await Promise.allSettled([...runs]);
      saveNow();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
