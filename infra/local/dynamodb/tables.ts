import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type {
  CreateTableCommandInput,
  DynamoDBClient,
  GlobalSecondaryIndex,
  KeySchemaElement,
} from '@aws-sdk/client-dynamodb';

export interface CloudFormationTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

export class TableSchemaMismatchError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'TableSchemaMismatchError';
  }
}

function sameKeys(a: KeySchemaElement[] | undefined, b: KeySchemaElement[] | undefined): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}

/**
 * Creates the template's tables in DynamoDB Local with the same keys, indexes, stream and TTL. Properties the
 * emulator cannot take or does not need (PointInTimeRecoverySpecification, SSESpecification, Tags,
 * DeletionProtectionEnabled, ContributorInsights) are left out. Existing tables are kept (their data
 * survives restarts) and missing GSIs added; a changed key schema is an error pointing to `npm run reset`.
 */
export async function createTablesFromTemplate(
  client: DynamoDBClient,
  template: CloudFormationTemplate,
  opts: { tableName(logicalId: string, properties: Record<string, unknown>): string },
): Promise<Record<string, { tableName: string; streamArn?: string }>> {
  const out: Record<string, { tableName: string; streamArn?: string }> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::DynamoDB::Table' && resource.Type !== 'AWS::DynamoDB::GlobalTable') continue;
    const p = resource.Properties ?? {};
    const tableName = opts.tableName(logicalId, p);
    const gsis = (p.GlobalSecondaryIndexes as GlobalSecondaryIndex[] | undefined)?.map((g) => ({
      IndexName: g.IndexName,
      KeySchema: g.KeySchema,
      Projection: g.Projection,
    }));
    const stream = p.StreamSpecification as { StreamViewType?: string } | undefined;
    const input: CreateTableCommandInput = {
      TableName: tableName,
      KeySchema: p.KeySchema as KeySchemaElement[],
      AttributeDefinitions: p.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
      BillingMode: 'PAY_PER_REQUEST',
      ...(gsis?.length ? { GlobalSecondaryIndexes: gsis } : {}),
      ...(p.LocalSecondaryIndexes
        ? {
            LocalSecondaryIndexes:
              p.LocalSecondaryIndexes as CreateTableCommandInput['LocalSecondaryIndexes'],
          }
        : {}),
      ...(stream?.StreamViewType
        ? {
            StreamSpecification: {
              StreamEnabled: true,
              StreamViewType: stream.StreamViewType as 'NEW_AND_OLD_IMAGES',
            },
          }
        : {}),
    };
    let existing;
    try {
      existing = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
    } catch (error) {
      if (
        !(error instanceof ResourceNotFoundException) &&
        (error as { name?: string }).name !== 'ResourceNotFoundException'
      )
        throw error;
    }
    if (!existing) {
      await client.send(new CreateTableCommand(input));
      const ttl = p.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
      if (ttl?.Enabled && ttl.AttributeName) {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: tableName,
            TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
          }),
        );
      }
    } else {
      if (!sameKeys(existing.KeySchema, input.KeySchema)) {
        throw new TableSchemaMismatchError(
          `Table ${tableName} exists with another key schema; run \`npm run reset\` to start over`,
        );
      }
      const have = new Set((existing.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
      for (const gsi of gsis ?? []) {
        if (have.has(gsi.IndexName)) continue;
        await client.send(
          new UpdateTableCommand({
            TableName: tableName,
            AttributeDefinitions: input.AttributeDefinitions,
            GlobalSecondaryIndexUpdates: [{ Create: gsi }],
          }),
        );
      }
    }
    const described = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
    out[logicalId] = {
      tableName,
      ...(described?.LatestStreamArn ? { streamArn: described.LatestStreamArn } : {}),
    };
  }
  return out;
}
