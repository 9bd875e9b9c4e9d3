import { Worker } from 'node:worker_threads';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * A local stand-in for one Lambda function: a small pool of worker threads ("containers"), each with the
 * function's own environment and module scope, one invocation at a time each, killed on timeout.
 */
export interface LocalLambdaOptions {
  functionName: string;
  entry: string;
  env: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
  region: string;
  maxContainers?: number;
  onLog?: (line: string, functionName: string) => void;
}

/** A function error, carrying the thrown error's name as Lambda reports it (errorType). */
export class LambdaFunctionError extends Error {
  public constructor(
    name: string,
    message: string,
    public readonly remoteStack?: string,
  ) {
    super(message);
    this.name = name;
  }
}

interface Container {
  worker: Worker;
  busy: boolean;
  /** Resolves when the module has loaded (the init phase), rejects if it failed to. */
  ready: Promise<void>;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  container: Container;
}

const BOOT = fileURLToPath(new URL('./worker-boot.mjs', import.meta.url));

export class LocalLambda {
  private readonly containers: Container[] = [];
  private readonly waiting: (() => void)[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  public constructor(private readonly options: LocalLambdaOptions) {}

  public get name(): string {
    return this.options.functionName;
  }

  private spawn(): Container {
    const worker = new Worker(BOOT, {
      env: this.options.env,
      stdout: true,
      stderr: true,
      workerData: {
        entry: this.options.entry,
        functionName: this.options.functionName,
        memoryMb: this.options.memoryMb,
        region: this.options.region,
      },
    });
    let markReady: () => void = () => undefined;
    let failInit: (error: Error) => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failInit = reject;
    });
    ready.catch(() => undefined);
    const container: Container = { worker, busy: false, ready };
    for (const stream of [worker.stdout, worker.stderr]) {
      const lines = createInterface({ input: stream });
      lines.on('line', (line) => this.options.onLog?.(line, this.options.functionName));
    }
    worker.on(
      'message',
      (msg: {
        type?: 'ready' | 'init-error';
        id: number;
        ok: boolean;
        result?: unknown;
        error?: { name: string; message: string; stack?: string };
      }) => {
        if (msg.type === 'ready') return markReady();
        if (msg.type === 'init-error') {
          failInit(new LambdaFunctionError('Runtime.ImportModuleError', msg.error?.message ?? 'init failed'));
          void worker.terminate();
          return;
        }
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        clearTimeout(p.timer);
        this.release(p.container);
        if (msg.ok) p.resolve(msg.result);
        else
          p.reject(
            new LambdaFunctionError(
              msg.error?.name ?? 'Error',
              msg.error?.message ?? 'unknown error',
              msg.error?.stack,
            ),
          );
      },
    );
    worker.on('error', (error) => {
      failInit(error);
      this.crash(container, error);
    });
    worker.on('exit', () =>
      this.crash(container, new LambdaFunctionError('Runtime.ExitError', `${this.name} container exited`)),
    );
    this.containers.push(container);
    return container;
  }

  private crash(container: Container, error: Error): void {
    const index = this.containers.indexOf(container);
    if (index >= 0) this.containers.splice(index, 1);
    for (const [id, p] of this.pending) {
      if (p.container !== container) continue;
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.reject(
        error instanceof LambdaFunctionError
          ? error
          : new LambdaFunctionError('Runtime.ExitError', error.message),
      );
    }
    this.waiting.shift()?.();
  }

  private release(container: Container): void {
    container.busy = false;
    this.waiting.shift()?.();
  }

  private async acquire(): Promise<Container> {
    for (;;) {
      if (this.closed) throw new LambdaFunctionError('Runtime.Shutdown', `${this.name} is shut down`);
      const idle = this.containers.find((c) => !c.busy);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      if (this.containers.length < (this.options.maxContainers ?? 4)) {
        const fresh = this.spawn();
        fresh.busy = true;
        return fresh;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  public async invoke(event: unknown): Promise<unknown> {
    const container = await this.acquire();
    // Init time (loading the module) is not part of the function's timeout, as on Lambda.
    try {
      await container.ready;
    } catch (error) {
      this.release(container);
      throw error;
    }
    const id = this.nextId++;
    const timeoutMs = this.options.timeoutSeconds * 1000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // Like Lambda: a timed-out invocation's container is discarded.
        this.pending.delete(id);
        reject(
          new LambdaFunctionError(
            'Sandbox.Timedout',
            `${this.name} timed out after ${this.options.timeoutSeconds} s`,
          ),
        );
        void container.worker.terminate();
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, container });
      container.worker.postMessage({
        id,
        // postMessage copies the event (structured clone), as Lambda hands each invocation its own copy.
        event: event ?? null,
        deadline: Date.now() + timeoutMs,
      });
    });
  }

  /**
   * Starts containers until `count` exist and waits for their init phases, as provisioned concurrency does on
   * Lambda: later invocations then never pay a cold start. Resolves with the number of containers ready.
   */
  public async prewarm(count: number): Promise<number> {
    const target = Math.min(count, this.options.maxContainers ?? 4);
    while (!this.closed && this.containers.length < target) this.spawn();
    const results = await Promise.allSettled(this.containers.map((c) => c.ready));
    return results.filter((r) => r.status === 'fulfilled').length;
  }

  public async close(): Promise<void> {
    this.closed = true;
    for (const resolve of this.waiting.splice(0)) resolve();
    await Promise.all(this.containers.splice(0).map((c) => c.worker.terminate()));
  }
}
