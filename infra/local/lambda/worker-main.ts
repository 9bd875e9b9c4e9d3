import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';

/**
 * One local Lambda container: imports the function's module once (its module scope is the cold start, with this
 * worker's own environment), then runs one invocation at a time, as Lambda does.
 */
interface Init {
  entry: string;
  functionName: string;
  memoryMb: number;
  region: string;
}
interface InvokeMessage {
  id: number;
  event: unknown;
  deadline: number;
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const init = workerData as Init;
const port = parentPort;
if (!port) throw new Error('worker-main must run in a worker thread');

let handlerPromise: Promise<Handler> | null = null;
function loadHandler(): Promise<Handler> {
  handlerPromise ??= import(pathToFileURL(init.entry).href).then((mod: { handler?: Handler }) => {
    if (typeof mod.handler !== 'function') throw new Error(`${init.entry} exports no handler`);
    return mod.handler;
  });
  return handlerPromise;
}

function contextFor(id: number, deadline: number): Context {
  const arn = `arn:aws:lambda:${init.region}:000000000000:function:${init.functionName}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: init.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: arn,
    memoryLimitInMB: String(init.memoryMb),
    awsRequestId: `local-${process.pid}-${Date.now()}-${id}`,
    logGroupName: `/aws/lambda/${init.functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

// The init phase: load the module (its top level is the function's cold start) before any invocation, and
// say so, because Lambda does not count init time against the function's timeout.
loadHandler().then(
  () => port.postMessage({ type: 'ready' }),
  (error: unknown) =>
    port.postMessage({
      type: 'init-error',
      error: { name: (error as Error)?.name ?? 'Error', message: (error as Error)?.message ?? String(error) },
    }),
);

port.on('message', (message: InvokeMessage) => {
  void (async () => {
    try {
      const handler = await loadHandler();
      const result = await handler(message.event, contextFor(message.id, message.deadline));
      port.postMessage({ id: message.id, ok: true, result: result === undefined ? null : result });
    } catch (error) {
      const e = error as Error;
      port.postMessage({
        id: message.id,
        ok: false,
        error: { name: e?.name ?? 'Error', message: e?.message ?? String(error), stack: e?.stack },
      });
    }
  })();
});
