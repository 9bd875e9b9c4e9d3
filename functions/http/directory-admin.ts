import { z } from 'zod';
import { tableNames } from '../../shared/config/app-config';
import type { Owner, OwnerWithAccount, Property, Tenant, Unit } from '../../shared/domain/entities';
import { newId } from '../../shared/domain/ids';
import { formatRupees, parseRupees } from '../../shared/domain/money';
import { BadRequestError, ForbiddenError, NotFoundError } from '../../shared/errors';
import { apiHandler } from '../../shared/http/api-handler';
import {
  ownerCreateBody,
  ownerListQuery,
  ownerUpdateBody,
  propertyCreateBody,
  propertyUpdateBody,
  tenantCreateBody,
  tenantUpdateBody,
  unitCreateBody,
  unitUpdateBody,
} from '../../shared/http/api-schemas';
import { parseJsonBody, parseParams } from '../../shared/http/middleware';
import { isAdmin, principalFromEvent } from '../../shared/http/principal';
import { json } from '../../shared/http/responses';
import { logger } from '../../shared/logger';
import { DynamoDirectoryRepository } from '../../shared/repositories/directory-repository';
import { documentClient } from '../../shared/repositories/dynamodb';

// No payment-details key: reading an owner never opens the account number, and admins create owners without
// details (owners set those themselves).
const directory = new DynamoDirectoryRepository(documentClient, tableNames.directory());
const pathSchema = z.object({ id: z.string().min(1).max(64) });
const NAME_KEY = /^.{0,200}#[0-9A-HJKMNP-TV-Z]{26}$/;

const presentOwner = (o: Omit<Owner, 'paymentDetails'>) => ({
  id: o.id,
  name: o.name,
  email: o.email,
  phone: o.phone,
  created_at: o.createdAt,
});
const presentProperty = (p: Property) => ({
  id: p.id,
  owner_id: p.ownerId,
  name: p.name,
  address: p.address,
  created_at: p.createdAt,
});
const presentUnit = (u: Unit) => ({
  id: u.id,
  property_id: u.propertyId,
  owner_id: u.ownerId,
  unit_number: u.unitNumber,
  rent: formatRupees(u.rentPaise),
  created_at: u.createdAt,
});
const presentTenant = (t: Tenant) => ({
  id: t.id,
  name: t.name,
  email: t.email,
  phone: t.phone,
  unit_id: t.unitId,
  created_at: t.createdAt,
});

/**
 * Directory administration (admins), so a deployment is set up without touching the database:
 * POST creates, GET reads one, for owners, properties, units (rent and owner) and tenants (assigned to a unit).
 * References are checked: a property needs its owner, a unit its property, a tenant's unit must exist.
 */
export const handler = apiHandler(async (event) => {
  const principal = principalFromEvent(event);
  if (!isAdmin(principal)) throw new ForbiddenError('Only admins can manage the directory.');
  const [method, path] = event.routeKey.split(' ') as [string, string];
  const kind = /\/api\/admin\/(owners|properties|units|tenants)/.exec(path)?.[1];
  const now = new Date().toISOString();

  if (method === 'GET' && kind === 'owners' && !event.pathParameters?.id) {
    // Owners by name, A to Z (the console's directory); the cursor is the last name key, opaque to callers.
    const q = parseParams(event.queryStringParameters, ownerListQuery, 'query');
    const after = q.cursor ? Buffer.from(q.cursor, 'base64url').toString('utf8') : undefined;
    if (after !== undefined && !NAME_KEY.test(after)) throw new BadRequestError('Invalid cursor.');
    const page = await directory.listOwners({
      limit: q.page_size ?? 25,
      ...(q.search ? { prefix: q.search } : {}),
      ...(after ? { after } : {}),
    });
    return json(200, {
      next: page.last ? Buffer.from(page.last, 'utf8').toString('base64url') : null,
      results: page.owners.map(presentOwner),
    });
  }

  if (method === 'GET') {
    const { id } = parseParams(event.pathParameters, pathSchema, 'path');
    const found =
      kind === 'owners'
        ? await directory.getOwner(id).then((o) => o && presentOwner(o))
        : kind === 'properties'
          ? await directory.getProperty(id).then((p) => p && presentProperty(p))
          : kind === 'units'
            ? await directory.getUnit(id).then((u) => u && presentUnit(u))
            : await directory.getTenant(id).then((t) => t && presentTenant(t));
    if (!found) throw new NotFoundError();
    return json(200, found);
  }

  if (method === 'PUT') {
    const { id } = parseParams(event.pathParameters, pathSchema, 'path');
    if (kind === 'owners') {
      const body = parseJsonBody(event, ownerUpdateBody);
      const owner = await directory.updateOwnerContact(id, body, now);
      if (!owner) throw new NotFoundError();
      logger.info('Owner updated', { owner_id: id, actor: principal.userId });
      return json(200, presentOwner(owner));
    }
    if (kind === 'properties') {
      const body = parseJsonBody(event, propertyUpdateBody);
      const property = await directory.getProperty(id);
      if (!property) throw new NotFoundError();
      const next: Property = { ...property, ...body };
      await directory.putProperty(next);
      logger.info('Property updated', { property_id: id, actor: principal.userId });
      return json(200, presentProperty(next));
    }
    if (kind === 'units') {
      const body = parseJsonBody(event, unitUpdateBody);
      const unit = await directory.getUnit(id);
      if (!unit) throw new NotFoundError();
      const rentPaise = body.rent === undefined ? unit.rentPaise : parseRupees(body.rent);
      if (rentPaise < 100)
        throw new BadRequestError('Invalid request body.', {
          details: { rent: ['Rent must be at least 1.00.'] },
        });
      // Payments already started keep their amount; the new rent applies to the next one.
      const next: Unit = { ...unit, unitNumber: body.unit_number ?? unit.unitNumber, rentPaise };
      await directory.putUnit(next);
      logger.info('Unit updated', { unit_id: id, actor: principal.userId, rent_paise: rentPaise });
      return json(200, presentUnit(next));
    }
    const body = parseJsonBody(event, tenantUpdateBody);
    const tenant = await directory.getTenant(id);
    if (!tenant) throw new NotFoundError();
    if (body.unit_id && !(await directory.getUnit(body.unit_id)))
      throw new BadRequestError('Invalid request body.', { details: { unit_id: ['No unit with this id.'] } });
    const next: Tenant = {
      ...tenant,
      name: body.name ?? tenant.name,
      phone: body.phone ?? tenant.phone,
      unitId: body.unit_id === undefined ? tenant.unitId : body.unit_id,
    };
    await directory.putTenant(next);
    logger.info('Tenant updated', { tenant_id: id, actor: principal.userId, unit_id: next.unitId });
    return json(200, presentTenant(next));
  }

  if (kind === 'owners') {
    const body = parseJsonBody(event, ownerCreateBody);
    const owner: OwnerWithAccount = {
      id: newId(),
      name: body.name,
      email: body.email,
      phone: body.phone ?? '',
      paymentDetails: null,
      createdAt: now,
      updatedAt: now,
    };
    await directory.putOwner(owner);
    logger.info('Owner created', { owner_id: owner.id, actor: principal.userId });
    return json(201, presentOwner(owner));
  }
  if (kind === 'properties') {
    const body = parseJsonBody(event, propertyCreateBody);
    if (!(await directory.getOwner(body.owner_id)))
      throw new BadRequestError('Invalid request body.', {
        details: { owner_id: ['No owner with this id.'] },
      });
    const property: Property = {
      id: newId(),
      ownerId: body.owner_id,
      name: body.name,
      address: body.address,
      createdAt: now,
    };
    await directory.putProperty(property);
    return json(201, presentProperty(property));
  }
  if (kind === 'units') {
    const body = parseJsonBody(event, unitCreateBody);
    const property = await directory.getProperty(body.property_id);
    if (!property)
      throw new BadRequestError('Invalid request body.', {
        details: { property_id: ['No property with this id.'] },
      });
    const rentPaise = parseRupees(body.rent);
    if (rentPaise < 100)
      throw new BadRequestError('Invalid request body.', {
        details: { rent: ['Rent must be at least 1.00 (PhonePe takes at least 100 paise).'] },
      });
    const unit: Unit = {
      id: newId(),
      propertyId: property.id,
      ownerId: property.ownerId,
      unitNumber: body.unit_number,
      rentPaise,
      createdAt: now,
    };
    await directory.putUnit(unit);
    return json(201, presentUnit(unit));
  }
  const body = parseJsonBody(event, tenantCreateBody);
  if (body.unit_id && !(await directory.getUnit(body.unit_id)))
    throw new BadRequestError('Invalid request body.', { details: { unit_id: ['No unit with this id.'] } });
  const tenant: Tenant = {
    id: newId(),
    name: body.name,
    email: body.email,
    phone: body.phone ?? '',
    unitId: body.unit_id ?? null,
    createdAt: now,
  };
  await directory.putTenant(tenant);
  return json(201, presentTenant(tenant));
});
