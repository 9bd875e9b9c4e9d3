import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Owner, Property, Tenant, Unit } from '../domain/entities';
import type { DocumentClient } from './dynamodb';
import { keys } from './keys';

/** Owners, properties, units and tenants: the directory every payment and payout refers to. */
export interface DirectoryRepository {
  getOwner(id: string): Promise<Owner | null>;
  getProperty(id: string): Promise<Property | null>;
  getUnit(id: string): Promise<Unit | null>;
  getTenant(id: string): Promise<Tenant | null>;
  putOwner(owner: Owner): Promise<void>;
  putProperty(property: Property): Promise<void>;
  putUnit(unit: Unit): Promise<void>;
  putTenant(tenant: Tenant): Promise<void>;
  findOwnerIdsByName(prefix: string, limit: number): Promise<string[]>;
}

type Stored<T> = T & { pk: string; sk: string; entity: string };

function strip<T>(item: Record<string, unknown> | undefined): T | null {
  if (!item) return null;
  const { pk: _pk, sk: _sk, entity: _entity, gsi1pk: _g1, gsi1sk: _g2, ...rest } = item;
  return rest as T;
}

export class DynamoDirectoryRepository implements DirectoryRepository {
  public constructor(
    private readonly client: DocumentClient,
    private readonly tableName: string,
  ) {}

  private async get<T>(key: { pk: string; sk: string }): Promise<T | null> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key }));
    return strip<T>(out.Item);
  }

  private async put<T extends object>(item: Stored<T>): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  public getOwner(id: string): Promise<Owner | null> {
    return this.get<Owner>(keys.owner(id));
  }
  public getProperty(id: string): Promise<Property | null> {
    return this.get<Property>(keys.property(id));
  }
  public getUnit(id: string): Promise<Unit | null> {
    return this.get<Unit>(keys.unit(id));
  }
  public getTenant(id: string): Promise<Tenant | null> {
    return this.get<Tenant>(keys.tenant(id));
  }
  public putOwner(owner: Owner): Promise<void> {
    return this.put({ ...owner, ...keys.owner(owner.id), ...keys.ownerNameIndex(owner), entity: 'owner' });
  }

  /** Ids of owners whose name starts with `prefix`, case-insensitively (GSI byName, keys only), at most `limit`. */
  public async findOwnerIdsByName(prefix: string, limit: number): Promise<string[]> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byName',
        KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
        ExpressionAttributeValues: { ':pk': 'OWNER_NAME', ':prefix': prefix.trim().toLowerCase() },
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((i) => String(i.gsi1sk).split('#').pop() ?? '').filter((id) => id !== '');
  }
  public putProperty(property: Property): Promise<void> {
    return this.put({ ...property, ...keys.property(property.id), entity: 'property' });
  }
  public putUnit(unit: Unit): Promise<void> {
    return this.put({ ...unit, ...keys.unit(unit.id), entity: 'unit' });
  }
  public putTenant(tenant: Tenant): Promise<void> {
    return this.put({ ...tenant, ...keys.tenant(tenant.id), entity: 'tenant' });
  }
}
