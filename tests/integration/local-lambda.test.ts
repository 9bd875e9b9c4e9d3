import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LambdaFunctionError, LocalLambda } from '../../infra/local/lambda/local-lambda';

const entry = fileURLToPath(new URL('../support/fixtures/container-handler.ts', import.meta.url));

describe('local Lambda containers', () => {
  let lambda: LocalLambda | undefined;
  afterEach(async () => {
    await lambda?.close();
  });

  const make = (maxContainers: number, timeoutSeconds = 5) =>
    new LocalLambda({
      functionName: 'fixture',
      entry,
      env: { GREETING: 'hello from this function' },
      timeoutSeconds,
      memoryMb: 128,
      region: 'ap-south-1',
      maxContainers,
    });

  it('runs the handler with the function’s own environment', async () => {
    lambda = make(1);
    const result = (await lambda.invoke(null)) as Record<string, unknown>;
    expect(result.greeting).toBe('hello from this function');
  });

  it('prewarm starts the containers asked for, up to the limit, and invocations then skip the cold start', async () => {
    lambda = make(3);
    expect(await lambda.prewarm(2)).toBe(2);
    const warmedAt = Date.now();
    const results = (await Promise.all([
      lambda.invoke({ sleepMs: 200 }),
      lambda.invoke({ sleepMs: 200 }),
    ])) as { container: number; loadedAt: number }[];
    // Two containers ran the two invocations at once, and both had loaded the module before prewarm resolved.
    expect(new Set(results.map((r) => r.container)).size).toBe(2);
    for (const r of results) expect(r.loadedAt).toBeLessThanOrEqual(warmedAt);
    // Asking for more than the limit starts only what the limit allows.
    expect(await lambda.prewarm(10)).toBe(3);
  });

  it('an invocation past the timeout fails as Lambda reports it, and the next one gets a fresh container', async () => {
    lambda = make(1, 1);
    const first = (await lambda.invoke(null)) as { container: number };
    await expect(lambda.invoke({ sleepMs: 3000 })).rejects.toSatisfy(
      (error: unknown) => error instanceof LambdaFunctionError && error.name === 'Sandbox.Timedout',
    );
    const after = (await lambda.invoke(null)) as { container: number };
    expect(after.container).not.toBe(first.container);
  });
});
