import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { seedDemo } from '../../infra/local/demo';
import { startLocalStack } from '../../infra/local/stack';
import type { LocalStack, LocalStackOptions } from '../../infra/local/stack';

/** A whole local stack for one test file: in memory, ephemeral ports, fast clock, logs captured. */
export interface TestStack extends LocalStack {
  logs: { fn: string; entry: Record<string, unknown> }[];
  api(
    path: string,
    init?: RequestInit & { token?: string; json?: unknown },
  ): Promise<{ status: number; body: Record<string, unknown>; text: string }>;
  countItems(table: 'directory' | 'payments' | 'payouts'): Promise<number>;
}

export async function startTestStack(options: Partial<LocalStackOptions> = {}): Promise<TestStack> {
  const logs: TestStack['logs'] = [];
  const stack = await startLocalStack({
    dataDir: mkdtempSync(join(tmpdir(), 'rent-payout-')),
    ephemeral: true,
    timeScale: 0.02,
    cashfreeLifecycle: { receivedToPendingMs: 500, pendingToFinalMs: 500 },
    ...options,
    onFunctionLog: (line, fn) => {
      try {
        logs.push({ fn, entry: JSON.parse(line) as Record<string, unknown> });
      } catch {
        logs.push({ fn, entry: { message: line } });
      }
    },
  });
  await seedDemo(stack.directory);
  return {
    ...stack,
    logs,
    api: async (path, init = {}) => {
      const { token, json, ...rest } = init;
      const res = await fetch(`${stack.urls.http}${path}`, {
        ...rest,
        headers: {
          ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...((rest.headers as Record<string, string>) ?? {}),
        },
        ...(json !== undefined ? { body: typeof json === 'string' ? json : JSON.stringify(json) } : {}),
      });
      const text = await res.text();
      let body: Record<string, unknown> = {};
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        body = {};
      }
      return { status: res.status, body, text };
    },
    countItems: async (table) => {
      const out = await stack.documentClient.send(
        new ScanCommand({ TableName: stack.tables[table], Select: 'COUNT' }),
      );
      return out.Count ?? 0;
    },
  };
}

export async function eventually<T>(
  fn: () => Promise<T | null | undefined | false>,
  { timeoutMs = 30_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Waits for a function's log line having these fields. Log lines reach the test through the container's
 * stdout, on their own channel: they can arrive after the write they follow is already visible in the table.
 */
export function logged(
  stack: Pick<TestStack, 'logs'>,
  fields: Record<string, unknown>,
  { timeoutMs = 10_000 } = {},
): Promise<Record<string, unknown>> {
  return eventually(
    async () =>
      stack.logs.find((l) => Object.entries(fields).every(([key, value]) => l.entry[key] === value))?.entry,
    { timeoutMs, intervalMs: 20 },
  ).catch(() => {
    throw new Error(`no log line with ${JSON.stringify(fields)} within ${timeoutMs} ms`);
  });
}
