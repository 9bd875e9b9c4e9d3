import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTablesFromTemplate,
  DynamoDbLocalPortInUseError,
  DynamoDbLocalStartError,
  JavaMissingError,
  startDynamoDbLocal,
  TableSchemaMismatchError,
  TableTemplateError,
} from '../../infra/local/dynamodb';
import type { CloudFormationTemplate, DynamoDbLocal } from '../../infra/local/dynamodb';
import { listenerOwner } from '../../infra/local/dynamodb/launcher';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LAUNCHER = fileURLToPath(new URL('../../infra/local/dynamodb/launcher.ts', import.meta.url));
const creds = { region: 'ap-south-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

function itemsTable(extra: Record<string, unknown> = {}): CloudFormationTemplate {
  return {
    Resources: {
      ItemsTable: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
            { AttributeName: 'g', AttributeType: 'S' },
            { AttributeName: 'lsk', AttributeType: 'N' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
          GlobalSecondaryIndexes: [
            {
              IndexName: 'byG',
              KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
              Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['status'] },
            },
          ],
          LocalSecondaryIndexes: [
            {
              IndexName: 'byLsk',
              KeySchema: [
                { AttributeName: 'pk', KeyType: 'HASH' },
                { AttributeName: 'lsk', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'KEYS_ONLY' },
            },
          ],
          StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
          TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
          // What DynamoDB Local cannot take: must be ignored, not fail.
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { SSEEnabled: true },
          DeletionProtectionEnabled: true,
          ContributorInsightsSpecification: { Enabled: true },
          Tags: [{ Key: 'app', Value: 'rent-payout' }],
          ...extra,
        },
      },
      NotATable: { Type: 'AWS::SQS::Queue', Properties: {} },
    },
  };
}

let db: DynamoDbLocal;
let client: DynamoDBClient;

beforeAll(async () => {
  db = await startDynamoDbLocal({ port: 0, inMemory: true });
  client = new DynamoDBClient({ ...creds, endpoint: db.endpoint });
});
afterAll(async () => {
  client?.destroy();
  await db?.stop();
});

/** A zombie (killed, not yet reaped) counts as gone. */
function running(pid: number): boolean {
  const status = `/proc/${pid}/status`;
  if (!existsSync(status)) return false;
  try {
    return !/^State:\s+Z/m.test(readFileSync(status, 'utf8'));
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function dynamoDbLocalPids(): number[] {
  const out = spawnSync('pgrep', ['-f', 'DynamoDBLocal'], { encoding: 'utf8' });
  return out.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number);
}

describe('DynamoDB Local process', () => {
  it('answers on the endpoint it reports, served by its own java process', async () => {
    // Prepare: started in beforeAll with port 0.
    // Act
    const tables = await client.send(new DescribeTableCommand({ TableName: 'missing' })).catch((e) => e);
    // Assess
    expect(db.port).toBeGreaterThan(0);
    expect(db.endpoint).toBe(`http://127.0.0.1:${db.port}`);
    expect((tables as Error).name).toBe('ResourceNotFoundException');
    expect(listenerOwner(db.pid, db.port)).toBe('ours');
    expect(listenerOwner(process.pid, db.port)).toBe('other');
  });

  it('says clearly when its port is taken', async () => {
    // Prepare
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(0, () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      // Act
      const error = await startDynamoDbLocal({ port, inMemory: true }).catch((e: unknown) => e);
      // Assess
      expect(error).toBeInstanceOf(DynamoDbLocalPortInUseError);
      expect((error as Error).message).toMatch(new RegExp(`Port ${port} is already in use`));
    } finally {
      server.close();
    }
  });

  it('says clearly when Java is missing or too old', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'fake-java-'));
    const oldJava = join(dir, 'java');
    writeFileSync(oldJava, '#!/bin/sh\necho \'openjdk version "11.0.22" 2024-01-16\' >&2\n');
    chmodSync(oldJava, 0o755);
    // Act
    const missing = await startDynamoDbLocal({ port: 0, javaPath: '/nonexistent/bin/java' }).catch((e) => e);
    const old = await startDynamoDbLocal({ port: 0, javaPath: oldJava }).catch((e) => e);
    // Assess
    expect(missing).toBeInstanceOf(JavaMissingError);
    expect(missing.message).toMatch(/^DynamoDB Local needs Java 17 or newer .*\/nonexistent\/bin\/java/);
    expect(missing.message).toContain('apt-get install openjdk-17-jre-headless');
    expect(missing.message).toContain('JAVA_HOME');
    expect(old).toBeInstanceOf(JavaMissingError);
    expect(old.message).toMatch(/is Java 11\b/);
  });

  it('keeps an on-disk database across a stop and a start, and refuses a second java on it', async () => {
    // Prepare
    const dataDir = join(mkdtempSync(join(tmpdir(), 'ddb-')), 'not-yet-there');
    const first = await startDynamoDbLocal({ port: 0, dataDir });
    const c1 = new DynamoDBClient({ ...creds, endpoint: first.endpoint });
    await createTablesFromTemplate(c1, itemsTable(), { tableName: () => 'Persisted' });
    await c1.send(
      new PutItemCommand({
        TableName: 'Persisted',
        Item: { pk: { S: 'kept' }, sk: { S: '1' }, v: { N: '42' } },
      }),
    );
    const second = await startDynamoDbLocal({ port: 0, dataDir }).catch((e: unknown) => e);
    c1.destroy();
    await first.stop();
    // Act
    const again = await startDynamoDbLocal({ port: 0, dataDir });
    const c2 = new DynamoDBClient({ ...creds, endpoint: again.endpoint });
    try {
      const tables = await createTablesFromTemplate(c2, itemsTable(), { tableName: () => 'Persisted' });
      const item = await c2.send(
        new GetItemCommand({ TableName: 'Persisted', Key: { pk: { S: 'kept' }, sk: { S: '1' } } }),
      );
      // Assess
      expect(second).toBeInstanceOf(DynamoDbLocalStartError);
      expect((second as Error).message).toMatch(/in use by another DynamoDB Local/);
      expect(tables.ItemsTable?.tableName).toBe('Persisted');
      expect(item.Item?.v).toEqual({ N: '42' });
    } finally {
      c2.destroy();
      await again.stop();
    }
  });

  it('stop() leaves no java behind and can be called twice', async () => {
    // Prepare
    const local = await startDynamoDbLocal({ port: 0, inMemory: true });
    const before = dynamoDbLocalPids();
    // Act
    await local.stop();
    await local.stop();
    // Assess
    expect(before).toContain(local.pid);
    expect(running(local.pid)).toBe(false);
    expect(dynamoDbLocalPids()).not.toContain(local.pid);
  });

  it(
    'never outlives its owner: SIGKILL, process.exit, unhandled SIGTERM, handled SIGTERM',
    { timeout: 120_000 },
    async () => {
      // Prepare: one child process per way of ending, each starting its own DynamoDB Local.
      const dir = mkdtempSync(join(tmpdir(), 'ddb-owner-'));
      const script = join(dir, 'owner.mts');
      writeFileSync(
        script,
        `import { startDynamoDbLocal } from ${JSON.stringify(LAUNCHER)};
const mode = process.argv[2];
if (mode === 'handled') {
  process.on('SIGTERM', () => { void db.stop().then(() => process.exit(0)); });
}
const db = await startDynamoDbLocal({ port: 0, inMemory: true });
process.stdout.write(JSON.stringify({ pid: db.pid }) + '\\n', () => {
  if (mode === 'exit') process.exit(0);
});
setInterval(() => undefined, 1000);
`,
      );
      const modes = ['kill', 'exit', 'unhandled', 'handled'] as const;
      const owners = modes.map((mode) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script, mode], {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: process.env,
        });
        const javaPid = new Promise<number>((resolve, reject) => {
          let out = '';
          let err = '';
          child.stdout.on('data', (c: Buffer) => {
            out += c.toString();
            const m = /"pid":(\d+)/.exec(out);
            if (m) resolve(Number(m[1]));
          });
          child.stderr.on('data', (c: Buffer) => (err += c.toString()));
          child.once('exit', () => reject(new Error(`${mode} owner ended before starting java: ${err}`)));
        });
        const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
          child.once('exit', (code, signal) => resolve({ code, signal })),
        );
        return { mode, child, javaPid, ended };
      });
      try {
        const pids = await Promise.all(owners.map((o) => o.javaPid));

        // Act
        for (const o of owners) {
          if (o.mode === 'kill') o.child.kill('SIGKILL');
          if (o.mode === 'unhandled' || o.mode === 'handled') o.child.kill('SIGTERM');
        }
        const endings = await Promise.all(owners.map((o) => o.ended));
        await until(() => pids.every((pid) => !running(pid)), 'every owner’s java to end');

        // Assess
        expect(pids.every((pid) => pid > 0)).toBe(true);
        expect(endings[0]?.signal).toBe('SIGKILL');
        expect(endings[1]?.code).toBe(0);
        // Alone, the launcher's listener must not swallow SIGTERM: the owner still dies of it.
        expect(endings[2]?.signal).toBe('SIGTERM');
        // An owner that handles SIGTERM itself decides when to exit.
        expect(endings[3]?.code).toBe(0);
        const left = dynamoDbLocalPids();
        for (const pid of pids) expect(left).not.toContain(pid);
      } finally {
        // When this test fails, leave nothing behind either.
        for (const o of owners)
          if (o.child.exitCode === null && o.child.signalCode === null) o.child.kill('SIGKILL');
        for (const pid of await Promise.all(owners.map((o) => o.javaPid.catch(() => 0)))) {
          if (
            pid > 0 &&
            running(pid) &&
            readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('DynamoDBLocal')
          ) {
            process.kill(pid, 'SIGKILL');
          }
        }
      }
    },
  );
});

describe('tables from a CloudFormation template', () => {
  it('creates keys, GSI with its projection, LSI, stream, TTL and on-demand billing; skips other resources', async () => {
    // Act
    const out = await createTablesFromTemplate(client, itemsTable(), { tableName: (id) => `Create-${id}` });
    // Assess
    const t = (await client.send(new DescribeTableCommand({ TableName: 'Create-ItemsTable' }))).Table;
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: 'Create-ItemsTable' }));
    expect(Object.keys(out)).toEqual(['ItemsTable']);
    expect(out.ItemsTable?.tableName).toBe('Create-ItemsTable');
    expect(out.ItemsTable?.streamArn).toBe(t?.LatestStreamArn);
    expect(t?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(t?.GlobalSecondaryIndexes?.map((g) => [g.IndexName, g.Projection])).toEqual([
      ['byG', { ProjectionType: 'INCLUDE', NonKeyAttributes: ['status'] }],
    ]);
    expect(t?.LocalSecondaryIndexes?.map((l) => [l.IndexName, l.Projection?.ProjectionType])).toEqual([
      ['byLsk', 'KEYS_ONLY'],
    ]);
    expect(t?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(t?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(ttl.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
  });

  it('is idempotent: same names and stream, items kept', async () => {
    // Prepare
    const first = await createTablesFromTemplate(client, itemsTable(), { tableName: () => 'Idem' });
    await client.send(
      new PutItemCommand({ TableName: 'Idem', Item: { pk: { S: 'a' }, sk: { S: '1' }, g: { S: 'G' } } }),
    );
    // Act
    const again = await createTablesFromTemplate(client, itemsTable(), { tableName: () => 'Idem' });
    // Assess
    const item = await client.send(
      new GetItemCommand({ TableName: 'Idem', Key: { pk: { S: 'a' }, sk: { S: '1' } } }),
    );
    expect(again).toEqual(first);
    expect(item.Item?.g).toEqual({ S: 'G' });
  });

  it('adds a GSI the template gained, and the new index serves queries over existing items', async () => {
    // Prepare
    const base = itemsTable();
    await createTablesFromTemplate(client, base, { tableName: () => 'Grow' });
    await client.send(
      new PutItemCommand({ TableName: 'Grow', Item: { pk: { S: 'a' }, sk: { S: '1' }, h: { S: 'H' } } }),
    );
    const props = base.Resources.ItemsTable?.Properties ?? {};
    const grown = itemsTable({
      AttributeDefinitions: [
        ...(props.AttributeDefinitions as object[]),
        { AttributeName: 'h', AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [
        ...(props.GlobalSecondaryIndexes as object[]),
        {
          IndexName: 'byH',
          KeySchema: [{ AttributeName: 'h', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
    // Act
    await createTablesFromTemplate(client, grown, { tableName: () => 'Grow' });
    // Assess
    const t = (await client.send(new DescribeTableCommand({ TableName: 'Grow' }))).Table;
    const hits = await client.send(
      new QueryCommand({
        TableName: 'Grow',
        IndexName: 'byH',
        KeyConditionExpression: 'h = :h',
        ExpressionAttributeValues: { ':h': { S: 'H' } },
      }),
    );
    expect(t?.GlobalSecondaryIndexes?.map((g) => g.IndexName).sort()).toEqual(['byG', 'byH']);
    expect(hits.Items?.map((i) => i.pk?.S)).toEqual(['a']);
  });

  it('drops a GSI the template no longer has', async () => {
    // Prepare
    await createTablesFromTemplate(client, itemsTable(), { tableName: () => 'Shrink' });
    // Act
    await createTablesFromTemplate(client, itemsTable({ GlobalSecondaryIndexes: [] }), {
      tableName: () => 'Shrink',
    });
    // Assess
    const t = (await client.send(new DescribeTableCommand({ TableName: 'Shrink' }))).Table;
    expect(t?.GlobalSecondaryIndexes ?? []).toEqual([]);
  });

  it('refuses a changed key schema and points to npm run reset', async () => {
    // Prepare
    await createTablesFromTemplate(client, itemsTable(), { tableName: () => 'Rekey' });
    const rekeyed = itemsTable({ KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] });
    // Act
    const error = await createTablesFromTemplate(client, rekeyed, { tableName: () => 'Rekey' }).catch(
      (e) => e,
    );
    // Assess
    expect(error).toBeInstanceOf(TableSchemaMismatchError);
    expect(error.message).toMatch(/key schema/);
    expect(error.message).toContain('npm run reset');
  });

  it('follows a changed stream view type with a new stream', async () => {
    // Prepare
    const before = await createTablesFromTemplate(client, itemsTable(), { tableName: () => 'Restream' });
    // Act
    const after = await createTablesFromTemplate(
      client,
      itemsTable({ StreamSpecification: { StreamViewType: 'KEYS_ONLY' } }),
      { tableName: () => 'Restream' },
    );
    // Assess
    const t = (await client.send(new DescribeTableCommand({ TableName: 'Restream' }))).Table;
    expect(t?.StreamSpecification?.StreamViewType).toBe('KEYS_ONLY');
    expect(after.ItemsTable?.streamArn).toBeDefined();
    expect(after.ItemsTable?.streamArn).not.toBe(before.ItemsTable?.streamArn);
  });

  it('creates global tables and provisioned tables too, without a stream when none is asked for', async () => {
    // Prepare
    const template: CloudFormationTemplate = {
      Resources: {
        Global: {
          Type: 'AWS::DynamoDB::GlobalTable',
          Properties: {
            KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
            AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
            BillingMode: 'PAY_PER_REQUEST',
            StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
            Replicas: [
              {
                Region: 'ap-south-1',
                PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
              },
            ],
          },
        },
        Provisioned: {
          Type: 'AWS::DynamoDB::Table',
          Properties: {
            KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
            AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'N' }],
            ProvisionedThroughput: { ReadCapacityUnits: 3, WriteCapacityUnits: 2 },
          },
        },
      },
    };
    // Act
    const out = await createTablesFromTemplate(client, template, { tableName: (id) => `Kinds-${id}` });
    // Assess
    const p = (await client.send(new DescribeTableCommand({ TableName: 'Kinds-Provisioned' }))).Table;
    expect(out.Global?.streamArn).toMatch(/stream/);
    expect(out.Provisioned).toEqual({ tableName: 'Kinds-Provisioned' });
    expect(p?.ProvisionedThroughput?.ReadCapacityUnits).toBe(3);
  });

  it('rejects an unresolved intrinsic function instead of creating a wrong table', async () => {
    // Prepare
    const template = itemsTable({ KeySchema: [{ AttributeName: { Ref: 'KeyName' }, KeyType: 'HASH' }] });
    // Act
    const error = await createTablesFromTemplate(client, template, { tableName: () => 'Intrinsic' }).catch(
      (e) => e,
    );
    // Assess
    expect(error).toBeInstanceOf(TableTemplateError);
    expect(error.message).toMatch(/ItemsTable\.KeySchema\[0\]\.AttributeName must be a literal string/);
  });
});
