import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../infra/local/demo';
import { ownerResponse, propertyResponse, tenantResponse, unitResponse } from '../../shared/http/api-schemas';
import { startTestStack } from '../support/local-stack';
import type { TestStack } from '../support/local-stack';

/**
 * Every directory-admin route, each read back after it wrote, with owners who have bank details (the demo
 * owner, and one who set them through the owner API). The directory-admin function has no payment-details key:
 * reading an owner never opens the account number.
 */
let stack: TestStack;
let admin = '';

beforeAll(async () => {
  stack = await startTestStack();
  admin = await stack.issuer.issue({ role: 'admin', sub: 'ops' });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

const post = (kind: string, json: unknown) =>
  stack.api(`/api/admin/${kind}/`, { method: 'POST', token: admin, json });
const put = (kind: string, id: unknown, json: unknown) =>
  stack.api(`/api/admin/${kind}/${String(id)}/`, { method: 'PUT', token: admin, json });
const read = (kind: string, id: unknown) => stack.api(`/api/admin/${kind}/${String(id)}/`, { token: admin });

describe('directory administration, read back', () => {
  it('reads the demo owner, who has bank details, without showing them', async () => {
    const r = await read('owners', DEMO.ownerId);
    expect(r.status).toBe(200);
    ownerResponse.parse(r.body);
    expect(r.body).toMatchObject({ id: DEMO.ownerId, name: 'Asha Verma', email: 'asha.owner@example.com' });
    expect(r.text).not.toMatch(/1234567890|7890|SBIN/);
  });

  it('creates an owner and reads it back, also after the owner set bank details', async () => {
    const created = await post('owners', {
      name: 'Hema Pillai',
      email: 'hema@example.com',
      phone: '+919800000011',
    });
    expect(created.status).toBe(201);
    ownerResponse.parse(created.body);
    expect((await read('owners', created.body.id)).body).toEqual(created.body);

    const owner = await stack.issuer.issue({ role: 'owner', sub: 'hema', ownerId: String(created.body.id) });
    const details = await stack.api('/api/owners/me/payment-details/', {
      method: 'PUT',
      token: owner,
      json: {
        payment_method: 'bank',
        bank_name: 'ICICI',
        account_number: '556677889900',
        ifsc_code: 'ICIC0001234',
      },
    });
    expect(details.status).toBe(200);
    const again = await read('owners', created.body.id);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(created.body);
  });

  it('creates a property for an owner with bank details and reads it back', async () => {
    const created = await post('properties', {
      owner_id: DEMO.ownerId,
      name: 'Lotus Annexe',
      address: '14 MG Road, Bengaluru',
    });
    expect(created.status).toBe(201);
    propertyResponse.parse(created.body);
    expect(created.body.owner_id).toBe(DEMO.ownerId);
    expect((await read('properties', created.body.id)).body).toEqual(created.body);
  });

  it('creates and changes a unit and a tenant, reading each back', async () => {
    const property = await post('properties', {
      owner_id: DEMO.ownerId,
      name: 'Lotus Court',
      address: '16 MG Road',
    });
    const unit = await post('units', { property_id: property.body.id, unit_number: 'C-3', rent: '11000.00' });
    expect(unit.status).toBe(201);
    unitResponse.parse(unit.body);
    expect(unit.body).toMatchObject({ owner_id: DEMO.ownerId, rent: '11000.00' });
    expect((await read('units', unit.body.id)).body).toEqual(unit.body);

    const changedUnit = await put('units', unit.body.id, { unit_number: 'C-3A', rent: '11500.50' });
    expect(changedUnit.status).toBe(200);
    expect(changedUnit.body).toMatchObject({ unit_number: 'C-3A', rent: '11500.50' });
    expect((await read('units', unit.body.id)).body).toEqual(changedUnit.body);

    const tenant = await post('tenants', {
      name: 'Indu Menon',
      email: 'indu@example.com',
      unit_id: unit.body.id,
    });
    expect(tenant.status).toBe(201);
    tenantResponse.parse(tenant.body);
    expect((await read('tenants', tenant.body.id)).body).toEqual(tenant.body);

    const changedTenant = await put('tenants', tenant.body.id, {
      phone: '+919800000012',
      unit_id: DEMO.unitId,
    });
    expect(changedTenant.status).toBe(200);
    expect(changedTenant.body).toMatchObject({ phone: '+919800000012', unit_id: DEMO.unitId });
    expect((await read('tenants', tenant.body.id)).body).toEqual(changedTenant.body);
  });
});
