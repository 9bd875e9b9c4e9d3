import '../../infra/local/polyfills';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import autocannon from 'autocannon';
import { z } from 'zod';
import { seedDemo, DEMO } from '../../infra/local/demo';
import { startLocalStack } from '../../infra/local/stack';
import { PhonePeClient } from '../../shared/clients/phonepe-client';
import { pendingPayment } from '../../shared/payments/new-payment';
import { newId } from '../../shared/domain/ids';
import { expectedAuthorization } from '../../shared/payments/phonepe-webhook';
import { DynamoPaymentRepository } from '../../shared/repositories/payment-repository';
import { positiveInt, readEnv } from '../../shared/config/env';

/**
 * `npm run bench:webhook`: the PhonePe webhook's ack path on the local stack against a floor (a bare node:http
 * server doing one conditional PutItem on the same DynamoDB Local), at the same concurrency, while PhonePe's
 * order-status API answers in 1 s. Then checks that every payment completed exactly once.
 *
 * Both paths are warmed up before either is measured: DynamoDB Local's JVM and each Lambda container's V8
 * compile their hot paths during the first thousands of requests, and a short warm-up measured that compiler
 * instead of the ack path. The webhook's containers are started first (provisioned concurrency, on AWS).
 * The measured webhook window delivers a fresh set of orders, so their first deliveries (recorded, then
 * confirmed off the stream with the slow status API) happen while it is measured, among PhonePe's repeats.
 */
function readKnobs<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    console.error(`bench:webhook: ${(error as Error).message}`);
    process.exit(2);
  }
}

// Knobs, checked like every other configuration (a bad value stops the bench with the variable's name).
const knobs = readKnobs(() =>
  readEnv(
    z.object({
      // First deliveries inside the measured window. Each one's confirmation, payout and workflow then run on the
      // same two cores (about 155 ms of CPU each, measured), so this many is a burst the machine can absorb.
      BENCH_PAYMENTS: positiveInt.default(50),
      BENCH_WARMUP_PAYMENTS: positiveInt.default(50),
      BENCH_CONNECTIONS: positiveInt.default(16),
      BENCH_DURATION: positiveInt.default(10),
      BENCH_WARMUP: positiveInt.default(30),
      // Two cores: more containers than this only add threads that each compile the handler on their own and
      // contend for the same cores (measured: 287, 222 and 181 req/s with 4, 8 and 16 containers).
      BENCH_CONTAINERS: positiveInt.default(4),
    }),
  ),
);
const PAYMENTS = knobs.BENCH_PAYMENTS;
const WARMUP_PAYMENTS = knobs.BENCH_WARMUP_PAYMENTS;
const CONNECTIONS = knobs.BENCH_CONNECTIONS;
const DURATION_S = knobs.BENCH_DURATION;
const WARMUP_S = knobs.BENCH_WARMUP;
const CONTAINERS = knobs.BENCH_CONTAINERS;

interface Run {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  total: number;
}

function summarize(r: autocannon.Result): Run {
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
    total: r.requests.total,
  };
}

async function main(): Promise<void> {
  const logs: Record<string, unknown>[] = [];
  const stack = await startLocalStack({
    dataDir: mkdtempSync(join(tmpdir(), 'bench-')),
    ephemeral: true,
    timeScale: 0.2,
    maxContainersPerFunction: CONTAINERS,
    // Only the lines the completion check needs are parsed: parsing every log line would load the process
    // that also runs the HTTP adapter and the load generator.
    onFunctionLog: (line) => {
      if (!line.includes('"Payment completed"')) return;
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        /* not JSON */
      }
    },
  });
  try {
    await seedDemo(stack.directory);
    // The bench's payments belong to an owner without payout details: each payout then ends at validation,
    // so the machine's two cores serve the payment side being measured rather than 200 Cashfree workflows
    // (those are exercised by the payout tests).
    const benchOwnerId = newId();
    const now0 = new Date().toISOString();
    await stack.directory.putOwner({
      id: benchOwnerId,
      name: 'Bench Owner',
      email: 'bench@example.com',
      phone: '',
      paymentDetails: null,
      createdAt: now0,
      updatedAt: now0,
    });
    // Payments with real PhonePe sandbox orders, completed at PhonePe; their own webhooks are dropped so that
    // only the benchmark's webhooks (each sent many times) reach the API.
    const payments = new DynamoPaymentRepository(stack.documentClient, stack.tables.payments);
    const phonepe = new PhonePeClient({
      oauthBaseUrl: stack.urls.phonepe,
      pgBaseUrl: stack.urls.phonepe,
      clientId: stack.credentials.phonepe.clientId,
      clientSecret: stack.credentials.phonepe.clientSecret,
      clientVersion: stack.credentials.phonepe.clientVersion,
      timeoutMs: 5000,
    });
    const control = (path: string, body?: unknown) =>
      fetch(`${stack.urls.phonepe}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body ?? {}),
      });
    const total = WARMUP_PAYMENTS + PAYMENTS;
    await control('/_sandbox/faults', { dropWebhooks: total });
    const orders: string[] = [];
    for (let i = 0; i < total; i += 1) {
      const id = newId();
      const now = new Date().toISOString();
      const payment = pendingPayment({
        id,
        tenantId: DEMO.tenantId,
        unitId: `${DEMO.unitId}-${i}`,
        propertyId: DEMO.propertyId,
        ownerId: benchOwnerId,
        period: '2030-01',
        amountPaise: DEMO.rentPaise,
        now,
      });
      await payments.create(payment);
      await phonepe.createPayment({
        merchantOrderId: payment.merchantOrderId,
        amountPaise: payment.amountPaise,
        redirectUrl: 'https://example.com/r',
        expireAfterSeconds: 3600,
        message: 'bench',
        udf: {},
      });
      await control(`/_sandbox/orders/${payment.merchantOrderId}/complete`);
      orders.push(payment.merchantOrderId);
    }
    // PhonePe's status API answers in 1 s from now on: it must not show in the ack path.
    await control('/_sandbox/faults', { statusDelayMs: 1000 });

    // The floor: the least any ack must do, one conditional write to the same DynamoDB Local.
    const ddb = new DynamoDBClient({
      endpoint: stack.urls.dynamodb,
      region: 'ap-south-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await ddb.send(
      new CreateTableCommand({
        TableName: 'bench-floor',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const floorServer = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        ddb
          .send(
            new PutItemCommand({
              TableName: 'bench-floor',
              Item: { pk: { S: randomUUID() }, body: { S: Buffer.concat(chunks).toString() } },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          )
          .then(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}'))
          .catch(() => res.writeHead(500).end());
      });
    });
    await new Promise<void>((r) => floorServer.listen(0, '127.0.0.1', () => r()));
    const floorOptions = {
      url: `http://127.0.0.1:${(floorServer.address() as AddressInfo).port}/`,
      connections: CONNECTIONS,
      duration: DURATION_S,
      method: 'POST' as const,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        event: 'checkout.order.completed',
        payload: { merchantOrderId: orders[0], state: 'COMPLETED' },
      }),
    } as const;
    const authorization = expectedAuthorization(
      stack.credentials.phonepe.webhookUsername,
      stack.credentials.phonepe.webhookPassword,
    );
    // Each run delivers its own orders round-robin: every order once, then again and again (PhonePe's repeats).
    const webhookOptions = (set: string[], duration: number): autocannon.Options => {
      let next = 0;
      return {
        url: `${stack.urls.http}/api/webhooks/phonepe/`,
        connections: CONNECTIONS,
        duration,
        requests: [
          {
            method: 'POST',
            setupRequest: (req: autocannon.Request) => {
              const merchantOrderId = set[next++ % set.length];
              return {
                ...req,
                headers: { 'content-type': 'application/json', authorization },
                body: JSON.stringify({
                  event: 'checkout.order.completed',
                  payload: { merchantOrderId, state: 'COMPLETED', amount: DEMO.rentPaise },
                }),
              };
            },
          },
        ],
      };
    };
    const ready = await stack.functions.phonepeWebhook.prewarm(CONTAINERS);
    console.log(`${ready} webhook containers started; warming up both paths for ${WARMUP_S} s each`);
    await autocannon({ ...floorOptions, duration: WARMUP_S });
    await autocannon(webhookOptions(orders.slice(0, WARMUP_PAYMENTS), WARMUP_S));
    const floor = summarize(await autocannon(floorOptions));
    floorServer.close();
    const webhook = summarize(await autocannon(webhookOptions(orders.slice(WARMUP_PAYMENTS), DURATION_S)));

    // Every payment must complete exactly once (the confirmations run off the stream, 1 s per status call).
    const deadline = Date.now() + 180_000;
    let completed = 0;
    while (Date.now() < deadline) {
      const scan = await stack.documentClient.send(
        new ScanCommand({
          TableName: stack.tables.payments,
          FilterExpression: 'entity = :p AND #s = :c',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':p': 'payment', ':c': 'completed' },
          Select: 'COUNT',
        }),
      );
      completed = scan.Count ?? 0;
      if (completed >= total) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const completions = new Map<string, number>();
    for (const entry of logs)
      if (entry.message === 'Payment completed')
        completions.set(String(entry.payment_id), (completions.get(String(entry.payment_id)) ?? 0) + 1);
    const doubled = [...completions.values()].filter((n) => n > 1).length;
    const lost = total - completed;

    const row = (name: string, r: Run) =>
      `${name.padEnd(8)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${String(r.p50).padStart(4)} ms  p99 ${String(r.p99).padStart(4)} ms  requests ${r.total}  errors ${r.errors}`;
    console.log(
      `\n${PAYMENTS} payments (+${WARMUP_PAYMENTS} for the warm-up), ${CONNECTIONS} connections, ${CONTAINERS} webhook containers, ${DURATION_S} s each after ${WARMUP_S} s warm-ups, PhonePe status API answering in 1 s`,
    );
    console.log(row('webhook', webhook));
    console.log(row('floor', floor));
    console.log(`completions: ${completed}/${total} completed, lost ${lost}, doubled ${doubled}`);
    console.log(
      `webhook/floor: throughput ratio ${(webhook.rps / floor.rps).toFixed(2)}, p99 ratio ${(webhook.p99 / Math.max(1, floor.p99)).toFixed(2)}, errors ${webhook.errors + lost + doubled}`,
    );
  } finally {
    await stack.close();
  }
}

main().catch((error: unknown) => {
  console.error('bench:webhook failed:', error);
  process.exit(1);
});
