import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { AccountCipher } from '../domain/account-cipher';
import type { Owner, OwnerWithAccount, Property, Tenant, Unit } from '../domain/entities';
import { newId } from '../domain/ids';
import { maskAccountNumber, summarizePaymentDetails } from '../domain/payment-details';
import type { OwnerPaymentDetails, PaymentDetailsSummary } from '../domain/payment-details';
import { ConfigError, ConflictError, NotFoundError } from '../errors';
import { isConditionalCheckFailure, cancellationCodes } from './dynamodb';
import type { DocumentClient } from './dynamodb';
import { keys } from './keys';

/**
 * Owners, properties, units and tenants: the directory every payment and payout refers to.
 * Account numbers are opened only by `getOwnerForPayout` and sealed only by the writes of payment details:
 * everything else reads owners without the payment-details key.
 */
export interface DirectoryRepository {
  /** The owner with the account number masked; never needs the key. */
  getOwner(id: string): Promise<Owner | null>;
  /** The owner with the account number in the clear, for a payout's destination (needs the key). */
  getOwnerForPayout(id: string): Promise<OwnerWithAccount | null>;
  getProperty(id: string): Promise<Property | null>;
  getUnit(id: string): Promise<Unit | null>;
  getTenant(id: string): Promise<Tenant | null>;
  /** Writes an owner; an account number is stored encrypted (needs the key only then). */
  putOwner(owner: OwnerWithAccount): Promise<void>;
  putProperty(property: Property): Promise<void>;
  putUnit(unit: Unit): Promise<void>;
  putTenant(tenant: Tenant): Promise<void>;
  findOwnerIdsByName(prefix: string, limit: number): Promise<string[]>;
  /** Replaces an owner's payment details and keeps the change (who, when, old and new, masked). */
  updatePaymentDetails(
    ownerId: string,
    details: OwnerPaymentDetails,
    actor: string,
    at: string,
  ): Promise<Owner>;
  paymentDetailsHistory(ownerId: string, limit: number): Promise<PaymentDetailsChange[]>;
}

/** An owner without payment details: what directory administration reads and writes (no key needed). */
export type OwnerContact = Omit<Owner, 'paymentDetails'>;

export interface MaskedPaymentDetails {
  payment_method: string | null;
  bank_name: string;
  account_number: string;
  ifsc_code: string;
  upi_id: string;
}

export interface PaymentDetailsChange {
  changedBy: string;
  changedAt: string;
  old: MaskedPaymentDetails | null;
  new: MaskedPaymentDetails;
}

export function maskPaymentDetails(d: PaymentDetailsSummary | null): MaskedPaymentDetails | null {
  if (!d) return null;
  return {
    payment_method: d.paymentMethod,
    bank_name: d.bankName,
    account_number: d.accountNumberMasked,
    ifsc_code: d.ifscCode,
    upi_id: d.upiId,
  };
}

/**
 * How payment details are stored: the account number only encrypted, its masked form beside it (so reading an
 * owner needs no key). Items written before `accountNumberMasked` have `accountLast4` instead.
 */
interface StoredPaymentDetails extends Omit<OwnerPaymentDetails, 'accountNumber'> {
  accountNumber?: string;
  accountNumberEncrypted: string | null;
  accountNumberMasked?: string;
  accountLast4?: string;
}

function summaryOf(stored: StoredPaymentDetails | null | undefined): PaymentDetailsSummary | null {
  if (!stored) return null;
  const { accountNumber, accountNumberEncrypted, accountNumberMasked, accountLast4, ...rest } = stored;
  // Details written before encryption (none in production) keep their number as they were.
  if (!accountNumberEncrypted)
    return summarizePaymentDetails({ ...rest, accountNumber: accountNumber ?? '' });
  return {
    ...rest,
    accountNumberMasked: accountNumberMasked ?? maskAccountNumber(`****${accountLast4 ?? ''}`),
  };
}

type CipherProvider = () => Promise<AccountCipher>;

type StoredOwner = Omit<Owner, 'paymentDetails'> & { paymentDetails: StoredPaymentDetails | null };

type Stored<T> = T & { pk: string; sk: string; entity: string };

function strip<T>(item: Record<string, unknown> | undefined): T | null {
  if (!item) return null;
  const { pk: _pk, sk: _sk, entity: _entity, gsi1pk: _g1, gsi1sk: _g2, ...rest } = item;
  return rest as T;
}

export class DynamoDirectoryRepository implements DirectoryRepository {
  /**
   * `cipher` is needed only where account numbers are opened or sealed (the payout workflow's destination, the
   * payment-details PUT, seeding); without it, such a read or write fails rather than exposing or storing a
   * plain number. Every other read of an owner works without it.
   */
  public constructor(
    private readonly client: DocumentClient,
    private readonly tableName: string,
    private readonly cipher: CipherProvider | null = null,
  ) {}

  private async requireCipher(): Promise<AccountCipher> {
    if (!this.cipher)
      throw new ConfigError(
        'Account numbers need the payment-details key, which this repository was not given',
      );
    return this.cipher();
  }

  /** Always encrypts under the current key: a write is also what moves an owner off a previous key. */
  private async sealDetails(d: OwnerPaymentDetails | null): Promise<StoredPaymentDetails | null> {
    if (!d) return null;
    const account = d.accountNumber.trim();
    const { accountNumber: _plain, ...rest } = d;
    return {
      ...rest,
      accountNumberEncrypted: account ? (await this.requireCipher()).encrypt(account) : null,
      accountNumberMasked: account ? maskAccountNumber(account) : '',
    };
  }

  private async openDetails(
    stored: StoredPaymentDetails | null | undefined,
  ): Promise<OwnerPaymentDetails | null> {
    if (!stored) return null;
    const {
      accountNumber,
      accountNumberEncrypted,
      accountNumberMasked: _m,
      accountLast4: _l4,
      ...rest
    } = stored;
    if (!accountNumberEncrypted) return { ...rest, accountNumber: accountNumber ?? '' };
    return { ...rest, accountNumber: (await this.requireCipher()).decrypt(accountNumberEncrypted) };
  }

  private async get<T>(key: { pk: string; sk: string }): Promise<T | null> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key }));
    return strip<T>(out.Item);
  }

  private async put<T extends object>(item: Stored<T>): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  public async getOwner(id: string): Promise<Owner | null> {
    const owner = await this.get<StoredOwner>(keys.owner(id));
    if (!owner) return null;
    return { ...owner, paymentDetails: summaryOf(owner.paymentDetails) };
  }
  public async getOwnerForPayout(id: string): Promise<OwnerWithAccount | null> {
    const owner = await this.get<StoredOwner>(keys.owner(id));
    if (!owner) return null;
    return { ...owner, paymentDetails: await this.openDetails(owner.paymentDetails) };
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
  public async putOwner(owner: OwnerWithAccount): Promise<void> {
    const paymentDetails = await this.sealDetails(owner.paymentDetails);
    await this.put({
      ...owner,
      paymentDetails,
      ...keys.owner(owner.id),
      ...keys.ownerNameIndex(owner),
      entity: 'owner',
    });
  }

  public async updatePaymentDetails(
    ownerId: string,
    details: OwnerPaymentDetails,
    actor: string,
    at: string,
  ): Promise<Owner> {
    const current = await this.getOwner(ownerId);
    if (!current) throw new NotFoundError('Owner not found.');
    const sealed = await this.sealDetails(details);
    const change = {
      changedBy: actor,
      changedAt: at,
      old: maskPaymentDetails(current.paymentDetails),
      new: maskPaymentDetails(summarizePaymentDetails(details)),
    };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.owner(ownerId),
                UpdateExpression: 'SET paymentDetails = :d, updatedAt = :at',
                // Conditional on the details read, so two editors cannot lose each other's change unseen.
                ConditionExpression: 'attribute_exists(pk) AND updatedAt = :prev',
                ExpressionAttributeValues: { ':d': sealed, ':at': at, ':prev': current.updatedAt },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  pk: keys.owner(ownerId).pk,
                  sk: `DETAILS_CHANGE#${at}#${newId()}`,
                  entity: 'payment_details_change',
                  ...change,
                },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed' || isConditionalCheckFailure(error)) {
        throw new ConflictError('The payment details changed meanwhile; reload and try again.');
      }
      throw error;
    }
    return { ...current, paymentDetails: summarizePaymentDetails(details), updatedAt: at };
  }

  public async paymentDetailsHistory(ownerId: string, limit: number): Promise<PaymentDetailsChange[]> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.owner(ownerId).pk, ':prefix': 'DETAILS_CHANGE#' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((i) => ({
      changedBy: String(i.changedBy),
      changedAt: String(i.changedAt),
      old: (i.old ?? null) as MaskedPaymentDetails | null,
      new: i.new as MaskedPaymentDetails,
    }));
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

  /** The current number of each unit (BatchGet, 100 keys a call); units that are gone are left out. */
  public async unitNumbers(unitIds: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const ids = [...new Set(unitIds)];
    for (let i = 0; i < ids.length; i += 100) {
      let request:
        Record<string, { Keys: Record<string, unknown>[]; ProjectionExpression: string }> | undefined = {
        [this.tableName]: {
          Keys: ids.slice(i, i + 100).map((id) => keys.unit(id)),
          ProjectionExpression: 'id, unitNumber',
        },
      };
      for (let round = 0; request && round < 5; round += 1) {
        const out: BatchGetCommandOutput = await this.client.send(
          new BatchGetCommand({ RequestItems: request }),
        );
        for (const item of out.Responses?.[this.tableName] ?? [])
          found.set(String(item.id), String(item.unitNumber));
        const rest = out.UnprocessedKeys?.[this.tableName];
        request = rest?.Keys?.length
          ? { [this.tableName]: { Keys: rest.Keys, ProjectionExpression: 'id, unitNumber' } }
          : undefined;
      }
      if (request) throw new Error('DynamoDB left unit keys unprocessed after 5 rounds');
    }
    return found;
  }

  /**
   * Owners by name, A to Z, optionally those whose name starts with `prefix` (case-insensitive): GSI byName,
   * then the owners themselves without their payment details. `after` is the last name key of the previous page.
   */
  public async listOwners(opts: {
    prefix?: string;
    limit: number;
    after?: string;
  }): Promise<{ owners: OwnerContact[]; last: string | null }> {
    const prefix = opts.prefix?.trim().toLowerCase();
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byName',
        KeyConditionExpression: prefix ? 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)' : 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': 'OWNER_NAME', ...(prefix ? { ':prefix': prefix } : {}) },
        Limit: opts.limit,
        ...(opts.after
          ? {
              ExclusiveStartKey: {
                gsi1pk: 'OWNER_NAME',
                gsi1sk: opts.after,
                ...keys.owner(opts.after.split('#').pop() ?? ''),
              },
            }
          : {}),
      }),
    );
    const names = (out.Items ?? []).map((i) => String(i.gsi1sk));
    const ids = names.map((n) => n.split('#').pop() ?? '').filter((id) => id !== '');
    const byId = new Map<string, OwnerContact>();
    if (ids.length > 0) {
      const got = await this.client.send(
        new BatchGetCommand({
          RequestItems: {
            [this.tableName]: {
              Keys: ids.map((id) => keys.owner(id)),
              ProjectionExpression: 'id, #n, email, phone, createdAt, updatedAt',
              ExpressionAttributeNames: { '#n': 'name' },
            },
          },
        }),
      );
      for (const item of got.Responses?.[this.tableName] ?? [])
        byId.set(String(item.id), item as OwnerContact);
      // A page is at most 100 small items, far under BatchGet's 16 MB; read any throttled rest one by one.
      for (const id of ids.filter((i) => !byId.has(i))) {
        const owner = await this.get<Owner>(keys.owner(id));
        if (owner) {
          const { paymentDetails: _d, ...contact } = owner;
          byId.set(id, contact);
        }
      }
    }
    return {
      owners: ids.map((id) => byId.get(id)).filter((o): o is OwnerContact => o !== undefined),
      last: out.LastEvaluatedKey ? String(out.LastEvaluatedKey.gsi1sk) : null,
    };
  }

  /** Changes an owner's name, email or phone (and the name index) without touching the payment details. */
  public async updateOwnerContact(
    id: string,
    change: { name?: string; email?: string; phone?: string },
    at: string,
  ): Promise<OwnerContact | null> {
    const current = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.owner(id),
        ProjectionExpression: 'id, #n, email, phone, createdAt, updatedAt',
        ExpressionAttributeNames: { '#n': 'name' },
      }),
    );
    if (!current.Item) return null;
    const next = { ...(current.Item as OwnerContact), ...change, updatedAt: at };
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.owner(id),
          UpdateExpression: 'SET #n = :n, email = :e, phone = :p, gsi1sk = :k, updatedAt = :at',
          // Conditional on the version read, as payment-detail changes are: no edit is lost unseen.
          ConditionExpression: 'attribute_exists(pk) AND updatedAt = :prev',
          ExpressionAttributeNames: { '#n': 'name' },
          ExpressionAttributeValues: {
            ':n': next.name,
            ':e': next.email,
            ':p': next.phone,
            ':k': keys.ownerNameIndex(next).gsi1sk,
            ':at': at,
            ':prev': (current.Item as OwnerContact).updatedAt,
          },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailure(error))
        throw new ConflictError('The owner changed meanwhile; reload and try again.');
      throw error;
    }
    return next;
  }
}
