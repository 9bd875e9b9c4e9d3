import type { Owner, OwnerWithAccount, Property, Tenant, Unit } from '../../shared/domain/entities';
import { summarizePaymentDetails } from '../../shared/domain/payment-details';
import type { OwnerPaymentDetails } from '../../shared/domain/payment-details';
import { ConflictError, NotFoundError } from '../../shared/errors';
import { maskPaymentDetails } from '../../shared/repositories/directory-repository';
import type {
  DirectoryRepository,
  PaymentDetailsChange,
} from '../../shared/repositories/directory-repository';

/**
 * The directory in memory, behaving as the DynamoDB repository does where use cases can tell: owners are read
 * with the account number masked (`getOwner`) or in the clear (`getOwnerForPayout`), a payment-details change
 * is conditional on the owner not having changed since it was read, every change is kept, newest first, and
 * the name search is a case-insensitive prefix in name order. Stored values are copies, so a use case cannot
 * change the store by mutating what it read.
 */
export class InMemoryDirectory implements DirectoryRepository {
  private readonly owners = new Map<string, OwnerWithAccount>();
  private readonly properties = new Map<string, Property>();
  private readonly units = new Map<string, Unit>();
  private readonly tenants = new Map<string, Tenant>();
  private readonly history = new Map<string, PaymentDetailsChange[]>();

  public async getOwner(id: string): Promise<Owner | null> {
    const owner = this.owners.get(id);
    if (!owner) return null;
    return {
      ...copy(owner),
      paymentDetails: owner.paymentDetails ? summarizePaymentDetails(owner.paymentDetails) : null,
    };
  }

  public async getOwnerForPayout(id: string): Promise<OwnerWithAccount | null> {
    const owner = this.owners.get(id);
    return owner ? copy(owner) : null;
  }

  public async getProperty(id: string): Promise<Property | null> {
    return copyOrNull(this.properties.get(id));
  }

  public async getUnit(id: string): Promise<Unit | null> {
    return copyOrNull(this.units.get(id));
  }

  public async getTenant(id: string): Promise<Tenant | null> {
    return copyOrNull(this.tenants.get(id));
  }

  public async putOwner(owner: OwnerWithAccount): Promise<void> {
    this.owners.set(owner.id, copy(owner));
  }

  public async putProperty(property: Property): Promise<void> {
    this.properties.set(property.id, copy(property));
  }

  public async putUnit(unit: Unit): Promise<void> {
    this.units.set(unit.id, copy(unit));
  }

  public async putTenant(tenant: Tenant): Promise<void> {
    this.tenants.set(tenant.id, copy(tenant));
  }

  public async findOwnerIdsByName(prefix: string, limit: number): Promise<string[]> {
    const p = prefix.trim().toLowerCase();
    return [...this.owners.values()]
      .map((o) => ({ key: `${o.name.trim().toLowerCase()}#${o.id}`, id: o.id }))
      .filter((o) => o.key.startsWith(p))
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .slice(0, limit)
      .map((o) => o.id);
  }

  public async updatePaymentDetails(
    ownerId: string,
    details: OwnerPaymentDetails,
    actor: string,
    at: string,
    /** What the caller read; a change since is a conflict, as the DynamoDB write's condition makes it. */
    expectedUpdatedAt?: string,
  ): Promise<Owner> {
    const current = this.owners.get(ownerId);
    if (!current) throw new NotFoundError('Owner not found.');
    if (expectedUpdatedAt !== undefined && current.updatedAt !== expectedUpdatedAt)
      throw new ConflictError('The payment details changed meanwhile; reload and try again.');
    const change: PaymentDetailsChange = {
      changedBy: actor,
      changedAt: at,
      old: current.paymentDetails
        ? maskPaymentDetails(summarizePaymentDetails(current.paymentDetails))
        : null,
      new: maskPaymentDetails(summarizePaymentDetails(details)) as PaymentDetailsChange['new'],
    };
    this.owners.set(ownerId, { ...copy(current), paymentDetails: copy(details), updatedAt: at });
    this.history.set(ownerId, [change, ...(this.history.get(ownerId) ?? [])]);
    return (await this.getOwner(ownerId)) as Owner;
  }

  public async paymentDetailsHistory(ownerId: string, limit: number): Promise<PaymentDetailsChange[]> {
    return (this.history.get(ownerId) ?? []).slice(0, limit).map(copy);
  }
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

function copyOrNull<T>(value: T | undefined): T | null {
  return value === undefined ? null : copy(value);
}
