import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type {
  AttributeDefinition,
  CreateTableCommandInput,
  DynamoDBClient,
  GlobalSecondaryIndex,
  KeySchemaElement,
  LocalSecondaryIndex,
  Projection,
  ProvisionedThroughput,
  StreamViewType,
  TableDescription,
} from '@aws-sdk/client-dynamodb';

/**
 * The tables of a synthesized CloudFormation template, created in DynamoDB Local with what shapes data and
 * events: keys, attribute types, GSIs and LSIs with their projections, billing mode, stream view type and TTL.
 *
 * Left out on purpose, because DynamoDB Local cannot take them or they change nothing on one machine:
 * PointInTimeRecoverySpecification, SSESpecification, Tags, DeletionProtectionEnabled (it would also block
 * tests and resets from deleting tables), ContributorInsightsSpecification, KinesisStreamSpecification,
 * TableClass, ImportSourceSpecification, ResourcePolicy, OnDemandThroughput, WarmThroughput, and for global
 * tables Replicas, WriteProvisionedThroughputSettings, WriteOnDemandThroughputSettings, GlobalTableWitnesses
 * and MultiRegionConsistency (locally there is one region). TableName is the caller's choice (opts.tableName).
 *
 * Re-running converges an existing table on the template without touching its items: missing GSIs are
 * added, changed or removed GSIs rebuilt or dropped (index data is derived), the stream and TTL switched to
 * match. What cannot change in place (key schema, key attribute types, LSIs) is an error suggesting a reset.
 */

export interface CloudFormationTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

export interface CreateTablesOptions {
  tableName(logicalId: string, properties: Record<string, unknown>): string;
  log?: (message: string) => void;
  /** How long to wait for a table or index to become ACTIVE. Default 60 s. */
  activeTimeoutMs?: number;
}

export type CreatedTables = Record<string, { tableName: string; streamArn?: string }>;

export class TableSchemaMismatchError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TableSchemaMismatchError';
  }
}

export class TableTemplateError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TableTemplateError';
  }
}

const TABLE_TYPES = new Set(['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable']);
const DEFAULT_THROUGHPUT: ProvisionedThroughput = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };

interface TableSpec {
  keySchema: KeySchemaElement[];
  attributes: AttributeDefinition[];
  provisioned: boolean;
  throughput: ProvisionedThroughput;
  gsis: GlobalSecondaryIndex[];
  lsis: LocalSecondaryIndex[];
  streamViewType?: StreamViewType;
  ttlAttribute?: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function str(v: unknown, where: string): string {
  // An object here is almost always an unresolved intrinsic ({"Ref": ...}, {"Fn::Sub": ...}).
  if (typeof v !== 'string' || v === '') throw new TableTemplateError(`${where} must be a literal string`);
  return v;
}

function keySchema(v: unknown, where: string): KeySchemaElement[] {
  if (!Array.isArray(v) || v.length < 1 || v.length > 2) {
    throw new TableTemplateError(`${where}.KeySchema must list one or two keys`);
  }
  return v.map((k, i) => {
    if (!isRecord(k)) throw new TableTemplateError(`${where}.KeySchema[${i}] must be an object`);
    const type = str(k.KeyType, `${where}.KeySchema[${i}].KeyType`);
    if (type !== 'HASH' && type !== 'RANGE') throw new TableTemplateError(`${where}: KeyType ${type}?`);
    return { AttributeName: str(k.AttributeName, `${where}.KeySchema[${i}].AttributeName`), KeyType: type };
  });
}

function projection(v: unknown, where: string): Projection {
  if (!isRecord(v)) return { ProjectionType: 'ALL' };
  const type = typeof v.ProjectionType === 'string' ? v.ProjectionType : 'ALL';
  if (type !== 'ALL' && type !== 'KEYS_ONLY' && type !== 'INCLUDE') {
    throw new TableTemplateError(`${where}.Projection.ProjectionType ${type}?`);
  }
  const nonKey = Array.isArray(v.NonKeyAttributes)
    ? v.NonKeyAttributes.map((a, i) => str(a, `${where}.Projection.NonKeyAttributes[${i}]`))
    : [];
  return { ProjectionType: type, ...(type === 'INCLUDE' ? { NonKeyAttributes: nonKey } : {}) };
}

function throughput(v: unknown): ProvisionedThroughput {
  if (!isRecord(v)) return DEFAULT_THROUGHPUT;
  return {
    ReadCapacityUnits: Number(v.ReadCapacityUnits ?? 5),
    WriteCapacityUnits: Number(v.WriteCapacityUnits ?? 5),
  };
}

function specOf(logicalId: string, type: string, p: Record<string, unknown>): TableSpec {
  const where = logicalId;
  const billing = p.BillingMode;
  // AWS::DynamoDB::Table without BillingMode is PROVISIONED when it names a throughput.
  const provisioned =
    billing === 'PROVISIONED' || (billing === undefined && isRecord(p.ProvisionedThroughput));
  const attributes = (Array.isArray(p.AttributeDefinitions) ? p.AttributeDefinitions : []).map(
    (a, i): AttributeDefinition => {
      if (!isRecord(a)) throw new TableTemplateError(`${where}.AttributeDefinitions[${i}] must be an object`);
      const t = str(a.AttributeType, `${where}.AttributeDefinitions[${i}].AttributeType`);
      if (t !== 'S' && t !== 'N' && t !== 'B') throw new TableTemplateError(`${where}: AttributeType ${t}?`);
      return {
        AttributeName: str(a.AttributeName, `${where}.AttributeDefinitions[${i}].AttributeName`),
        AttributeType: t,
      };
    },
  );
  const indexes = (list: unknown, kind: string) =>
    (Array.isArray(list) ? list : []).map((g, i) => {
      const w = `${where}.${kind}[${i}]`;
      if (!isRecord(g)) throw new TableTemplateError(`${w} must be an object`);
      return {
        IndexName: str(g.IndexName, `${w}.IndexName`),
        KeySchema: keySchema(g.KeySchema, w),
        Projection: projection(g.Projection, w),
        raw: g,
      };
    });
  const gsis: GlobalSecondaryIndex[] = indexes(p.GlobalSecondaryIndexes, 'GlobalSecondaryIndexes').map(
    ({ raw, ...g }) => ({
      ...g,
      ...(provisioned ? { ProvisionedThroughput: throughput(raw.ProvisionedThroughput) } : {}),
    }),
  );
  const lsis: LocalSecondaryIndex[] = indexes(p.LocalSecondaryIndexes, 'LocalSecondaryIndexes').map(
    ({ raw: _raw, ...l }) => l,
  );
  const stream = isRecord(p.StreamSpecification) ? p.StreamSpecification.StreamViewType : undefined;
  const ttl = isRecord(p.TimeToLiveSpecification) ? p.TimeToLiveSpecification : undefined;
  const spec: TableSpec = {
    keySchema: keySchema(p.KeySchema, where),
    attributes,
    provisioned,
    // Global tables set capacity per replica with auto scaling; locally a fixed small value does.
    throughput:
      type === 'AWS::DynamoDB::GlobalTable' ? DEFAULT_THROUGHPUT : throughput(p.ProvisionedThroughput),
    gsis,
    lsis,
    ...(stream !== undefined
      ? { streamViewType: str(stream, `${where}.StreamSpecification.StreamViewType`) as StreamViewType }
      : {}),
    ...(ttl && ttl.Enabled !== false && ttl.Enabled !== 'false' && ttl.AttributeName !== undefined
      ? { ttlAttribute: str(ttl.AttributeName, `${where}.TimeToLiveSpecification.AttributeName`) }
      : {}),
  };
  const defined = new Set(attributes.map((a) => a.AttributeName));
  for (const k of [
    spec.keySchema,
    ...gsis.map((g) => g.KeySchema ?? []),
    ...lsis.map((l) => l.KeySchema ?? []),
  ].flat()) {
    if (!defined.has(k.AttributeName ?? '')) {
      throw new TableTemplateError(`${where}: key attribute ${k.AttributeName} has no AttributeDefinition`);
    }
  }
  return spec;
}

const keyText = (k: KeySchemaElement[] | undefined) =>
  [...(k ?? [])]
    .sort((a, b) => (a.KeyType === 'HASH' ? -1 : 1) - (b.KeyType === 'HASH' ? -1 : 1))
    .map((e) => `${e.AttributeName}:${e.KeyType}`)
    .join(',');
const projectionText = (p: Projection | undefined) =>
  `${p?.ProjectionType ?? 'ALL'}${p?.ProjectionType === 'INCLUDE' ? `(${[...(p.NonKeyAttributes ?? [])].sort().join(',')})` : ''}`;
const indexText = (i: { KeySchema?: KeySchemaElement[]; Projection?: Projection }) =>
  `${keyText(i.KeySchema)} ${projectionText(i.Projection)}`;

/** Only the definitions of attributes some key uses: DynamoDB rejects unused ones. */
function definitionsFor(spec: TableSpec, keys: KeySchemaElement[][]): AttributeDefinition[] {
  const used = new Set(keys.flat().map((k) => k.AttributeName));
  return spec.attributes.filter((a) => used.has(a.AttributeName));
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

async function waitActive(
  client: DynamoDBClient,
  tableName: string,
  timeoutMs: number,
): Promise<TableDescription> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = await describe(client, tableName);
    const ready =
      t?.TableStatus === 'ACTIVE' &&
      (t.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE');
    if (t && ready) return t;
    if (Date.now() > deadline) {
      throw new TableSchemaMismatchError(
        `table ${tableName} did not become ACTIVE within ${timeoutMs / 1000} s`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function createTablesFromTemplate(
  client: DynamoDBClient,
  template: CloudFormationTemplate,
  opts: CreateTablesOptions,
): Promise<CreatedTables> {
  const log = opts.log ?? (() => undefined);
  const timeoutMs = opts.activeTimeoutMs ?? 60_000;
  const out: CreatedTables = {};
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (!TABLE_TYPES.has(resource.Type)) continue;
    const properties = resource.Properties ?? {};
    const spec = specOf(logicalId, resource.Type, properties);
    const tableName = opts.tableName(logicalId, properties);
    const existing = await describe(client, tableName);
    if (!existing) {
      await create(client, tableName, spec);
      log(`created table ${tableName} (${logicalId})`);
    } else {
      await converge(client, tableName, spec, existing, log, timeoutMs);
    }
    await convergeTtl(client, tableName, spec, log);
    const described = await waitActive(client, tableName, timeoutMs);
    out[logicalId] = {
      tableName,
      ...(described.StreamSpecification?.StreamEnabled && described.LatestStreamArn
        ? { streamArn: described.LatestStreamArn }
        : {}),
    };
  }
  return out;
}

async function create(client: DynamoDBClient, tableName: string, spec: TableSpec): Promise<void> {
  const input: CreateTableCommandInput = {
    TableName: tableName,
    KeySchema: spec.keySchema,
    AttributeDefinitions: definitionsFor(spec, [
      spec.keySchema,
      ...spec.gsis.map((g) => g.KeySchema ?? []),
      ...spec.lsis.map((l) => l.KeySchema ?? []),
    ]),
    ...(spec.provisioned
      ? { BillingMode: 'PROVISIONED', ProvisionedThroughput: spec.throughput }
      : { BillingMode: 'PAY_PER_REQUEST' }),
    ...(spec.gsis.length ? { GlobalSecondaryIndexes: spec.gsis } : {}),
    ...(spec.lsis.length ? { LocalSecondaryIndexes: spec.lsis } : {}),
    ...(spec.streamViewType
      ? { StreamSpecification: { StreamEnabled: true, StreamViewType: spec.streamViewType } }
      : {}),
  };
  await client.send(new CreateTableCommand(input));
}

async function converge(
  client: DynamoDBClient,
  tableName: string,
  spec: TableSpec,
  existing: TableDescription,
  log: (message: string) => void,
  timeoutMs: number,
): Promise<void> {
  const reset =
    'Run `npm run reset` to start the local data over (this deletes local tables and their items).';
  if (keyText(existing.KeySchema) !== keyText(spec.keySchema)) {
    throw new TableSchemaMismatchError(
      `Table ${tableName} exists with key schema [${keyText(existing.KeySchema)}] but the template says ` +
        `[${keyText(spec.keySchema)}]. ${reset}`,
    );
  }
  const typeOf = (defs: AttributeDefinition[] | undefined, name?: string) =>
    defs?.find((a) => a.AttributeName === name)?.AttributeType;
  for (const k of spec.keySchema) {
    const had = typeOf(existing.AttributeDefinitions, k.AttributeName);
    const wants = typeOf(spec.attributes, k.AttributeName);
    if (had !== wants) {
      throw new TableSchemaMismatchError(
        `Table ${tableName}: key ${k.AttributeName} has type ${had} but the template says ${wants}. ${reset}`,
      );
    }
  }
  const lsiText = (l: { IndexName?: string; KeySchema?: KeySchemaElement[]; Projection?: Projection }[]) =>
    l
      .map((i) => `${i.IndexName} ${indexText(i)}`)
      .sort()
      .join('; ');
  if (lsiText(existing.LocalSecondaryIndexes ?? []) !== lsiText(spec.lsis)) {
    throw new TableSchemaMismatchError(
      `Table ${tableName}: local secondary indexes differ from the template and cannot change after creation. ${reset}`,
    );
  }

  // One index change per UpdateTable call, each awaited, as DynamoDB requires.
  const wanted = new Map(spec.gsis.map((g) => [g.IndexName, g]));
  for (const have of existing.GlobalSecondaryIndexes ?? []) {
    const want = wanted.get(have.IndexName);
    if (want && indexText(want) === indexText(have)) {
      wanted.delete(have.IndexName);
      continue;
    }
    log(`table ${tableName}: dropping index ${have.IndexName} (${want ? 'changed' : 'not in the template'})`);
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: have.IndexName } }],
      }),
    );
    await waitGone(client, tableName, have.IndexName ?? '', timeoutMs);
  }
  for (const gsi of wanted.values()) {
    const current = await waitActive(client, tableName, timeoutMs);
    const keys = [
      spec.keySchema,
      ...(current.GlobalSecondaryIndexes ?? []).map((g) => g.KeySchema ?? []),
      gsi.KeySchema ?? [],
    ];
    log(`table ${tableName}: adding index ${gsi.IndexName}`);
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: definitionsFor(spec, keys),
        GlobalSecondaryIndexUpdates: [{ Create: gsi }],
      }),
    );
    await waitActive(client, tableName, timeoutMs);
  }

  const stream = existing.StreamSpecification?.StreamEnabled
    ? existing.StreamSpecification.StreamViewType
    : undefined;
  if (stream !== spec.streamViewType) {
    if (stream) {
      log(`table ${tableName}: disabling its ${stream} stream`);
      await client.send(
        new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: false } }),
      );
      await waitActive(client, tableName, timeoutMs);
    }
    if (spec.streamViewType) {
      log(`table ${tableName}: enabling a ${spec.streamViewType} stream (a new stream ARN)`);
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          StreamSpecification: { StreamEnabled: true, StreamViewType: spec.streamViewType },
        }),
      );
    }
  }
}

async function waitGone(client: DynamoDBClient, tableName: string, indexName: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (
    (await describe(client, tableName))?.GlobalSecondaryIndexes?.some((g) => g.IndexName === indexName)
  ) {
    if (Date.now() > deadline) {
      throw new TableSchemaMismatchError(
        `index ${indexName} of ${tableName} was not dropped within ${timeoutMs / 1000} s`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function convergeTtl(
  client: DynamoDBClient,
  tableName: string,
  spec: TableSpec,
  log: (message: string) => void,
): Promise<void> {
  const ttl = (await client.send(new DescribeTimeToLiveCommand({ TableName: tableName })))
    .TimeToLiveDescription;
  const on = ttl?.TimeToLiveStatus === 'ENABLED' || ttl?.TimeToLiveStatus === 'ENABLING';
  const current = on ? ttl?.AttributeName : undefined;
  if (current === spec.ttlAttribute) return;
  if (current) {
    log(`table ${tableName}: turning TTL on ${current} off`);
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: current, Enabled: false },
      }),
    );
  }
  if (spec.ttlAttribute) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: spec.ttlAttribute, Enabled: true },
      }),
    );
  }
}
