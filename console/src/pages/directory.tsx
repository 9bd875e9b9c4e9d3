import { useState } from 'preact/hooks';
import { apiGet, apiSend } from '../api';
import { ErrorNote, Field, IdText, Section, Time, useLoad } from '../components/common';
import { bodyOf, EntityForm } from '../components/entity-form';
import type { FieldSpec } from '../components/entity-form';
import { rupees } from '../format';
import { navigate } from '../router';
import type { Owner, Property, Tenant, Unit } from '../types';
import { OwnerDetailsSection } from './payout';

/**
 * The directory through the admin routes: owners by name, and a page per owner, property, unit and tenant to
 * change it and to add what belongs to it. Owners set their own payment details; here they are only shown.
 */
const OWNER_FIELDS: FieldSpec[] = [
  { name: 'name', label: 'Name', autoComplete: 'off' },
  { name: 'email', label: 'Email', type: 'email' },
  {
    name: 'phone',
    label: 'Phone',
    type: 'tel',
    hint: '10 to 15 digits, optionally with +',
    inputMode: 'tel',
  },
];
const PROPERTY_FIELDS: FieldSpec[] = [
  { name: 'name', label: 'Property name' },
  { name: 'address', label: 'Address' },
];
const UNIT_FIELDS: FieldSpec[] = [
  { name: 'unit_number', label: 'Unit number' },
  { name: 'rent', label: 'Monthly rent (₹)', hint: 'Rupees, e.g. 15000.00', inputMode: 'decimal' },
];
const TENANT_FIELDS: FieldSpec[] = [
  { name: 'name', label: 'Name' },
  { name: 'email', label: 'Email', type: 'email' },
  {
    name: 'phone',
    label: 'Phone',
    type: 'tel',
    hint: '10 to 15 digits, optionally with +',
    inputMode: 'tel',
  },
];

const KINDS = { owners: 'Owner', properties: 'Property', units: 'Unit', tenants: 'Tenant' } as const;
type Kind = keyof typeof KINDS;

export function DirectoryPage({ query }: { query: URLSearchParams }) {
  const search = query.get('search') ?? '';
  const cursor = query.get('cursor') ?? undefined;
  const owners = useLoad(`${search}|${cursor ?? ''}`, () =>
    apiGet<{ next: string | null; results: Owner[] }>('/api/admin/owners/', {
      search: search || undefined,
      cursor,
      page_size: '25',
    }),
  );
  const [draft, setDraft] = useState(search);
  const [open, setOpen] = useState<{ kind: Kind; id: string }>({ kind: 'owners', id: '' });
  return (
    <>
      <h1>Directory</h1>
      <div class="grid">
        <Section title="Owners">
          <form
            class="inline-form"
            role="search"
            aria-label="Find owners"
            onSubmit={(e) => {
              e.preventDefault();
              navigate(
                `/admin/directory${draft.trim() ? `?search=${encodeURIComponent(draft.trim())}` : ''}`,
              );
            }}
          >
            <Field label="Owner name starts with" name="owner-search">
              {(p) => (
                <input
                  {...p}
                  type="search"
                  value={draft}
                  onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
                />
              )}
            </Field>
            <button type="submit">Find</button>
          </form>
          <ErrorNote error={owners.error} />
          <ul class="plain owners">
            {(owners.data?.results ?? []).map((o) => (
              <li key={o.id}>
                <a href={`/admin/directory/owners/${o.id}`}>{o.name}</a> <span class="muted">{o.email}</span>
              </li>
            ))}
          </ul>
          {owners.data && owners.data.results.length === 0 ? <p class="empty">No owners match.</p> : null}
          {owners.data?.next ? (
            <a
              class="button secondary"
              href={`/admin/directory?${new URLSearchParams({ ...(search ? { search } : {}), cursor: owners.data.next })}`}
            >
              More →
            </a>
          ) : null}
        </Section>
        <Section title="New owner">
          <EntityForm
            id="new-owner"
            fields={OWNER_FIELDS}
            submitLabel="Create owner"
            onSubmit={async (v) => {
              const o = await apiSend<Owner>(
                'POST',
                '/api/admin/owners/',
                bodyOf(v, ['name', 'email', 'phone']),
              );
              navigate(`/admin/directory/owners/${o.id}`);
            }}
          />
        </Section>
        <Section title="Open by id">
          <form
            class="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (open.id.trim())
                navigate(`/admin/directory/${open.kind}/${encodeURIComponent(open.id.trim())}`);
            }}
          >
            <Field label="Kind" name="open-kind">
              {(p) => (
                <select
                  {...p}
                  value={open.kind}
                  onChange={(e) => setOpen({ ...open, kind: (e.target as HTMLSelectElement).value as Kind })}
                >
                  {(Object.keys(KINDS) as Kind[]).map((k) => (
                    <option key={k} value={k}>
                      {KINDS[k]}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Id" name="open-id">
              {(p) => (
                <input
                  {...p}
                  value={open.id}
                  onInput={(e) => setOpen({ ...open, id: (e.target as HTMLInputElement).value })}
                />
              )}
            </Field>
            <button type="submit">Open</button>
          </form>
        </Section>
      </div>
    </>
  );
}

function useEntity<T>(kind: Kind, id: string) {
  const path = `/api/admin/${kind}/${encodeURIComponent(id)}/`;
  return { path, entity: useLoad(path, () => apiGet<T>(path)) };
}

function Header({ kind, id, title, created }: { kind: Kind; id: string; title: string; created: string }) {
  return (
    <>
      <p class="crumbs">
        <a href="/admin/directory">← Directory</a>
      </p>
      <h1>
        {KINDS[kind]}: {title}
      </h1>
      <p class="muted">
        <IdText id={id} /> · created <Time iso={created} />
      </p>
    </>
  );
}

export function OwnerPage({ id }: { id: string }) {
  const { path, entity } = useEntity<Owner>('owners', id);
  const o = entity.data;
  if (!o) return entity.error ? <ErrorNote error={entity.error} /> : <p class="loading">Loading…</p>;
  return (
    <>
      <Header kind="owners" id={o.id} title={o.name} created={o.created_at} />
      <p>
        <a href={`/admin/payouts?search=${encodeURIComponent(o.name)}`}>Payouts of owners named “{o.name}”</a>
      </p>
      <div class="grid">
        <Section title="Edit owner">
          <EntityForm
            id="edit-owner"
            key={o.id}
            fields={OWNER_FIELDS}
            initial={{ name: o.name, email: o.email, phone: o.phone }}
            submitLabel="Save owner"
            done="Saved."
            onSubmit={async (v) => {
              await apiSend<Owner>('PUT', path, bodyOf(v, ['name', 'email', 'phone']));
              entity.reload();
            }}
          />
        </Section>
        <Section title="New property of this owner">
          <EntityForm
            id="new-property"
            fields={PROPERTY_FIELDS}
            submitLabel="Create property"
            onSubmit={async (v) => {
              const p = await apiSend<Property>('POST', '/api/admin/properties/', {
                owner_id: o.id,
                ...bodyOf(v, ['name', 'address']),
              });
              navigate(`/admin/directory/properties/${p.id}`);
            }}
          />
        </Section>
      </div>
      <OwnerDetailsSection ownerId={o.id} />
    </>
  );
}

export function PropertyPage({ id }: { id: string }) {
  const { path, entity } = useEntity<Property>('properties', id);
  const p = entity.data;
  if (!p) return entity.error ? <ErrorNote error={entity.error} /> : <p class="loading">Loading…</p>;
  return (
    <>
      <Header kind="properties" id={p.id} title={p.name} created={p.created_at} />
      <p>
        Owner:{' '}
        <a href={`/admin/directory/owners/${p.owner_id}`}>
          <IdText id={p.owner_id} />
        </a>
      </p>
      <div class="grid">
        <Section title="Edit property">
          <EntityForm
            id="edit-property"
            key={p.id}
            fields={PROPERTY_FIELDS}
            initial={{ name: p.name, address: p.address }}
            submitLabel="Save property"
            done="Saved."
            onSubmit={async (v) => {
              await apiSend<Property>('PUT', path, bodyOf(v, ['name', 'address']));
              entity.reload();
            }}
          />
        </Section>
        <Section title="New unit in this property">
          <EntityForm
            id="new-unit"
            fields={UNIT_FIELDS}
            submitLabel="Create unit"
            onSubmit={async (v) => {
              const u = await apiSend<Unit>('POST', '/api/admin/units/', {
                property_id: p.id,
                ...bodyOf(v, ['unit_number', 'rent']),
              });
              navigate(`/admin/directory/units/${u.id}`);
            }}
          />
        </Section>
      </div>
    </>
  );
}

export function UnitPage({ id }: { id: string }) {
  const { path, entity } = useEntity<Unit>('units', id);
  const u = entity.data;
  if (!u) return entity.error ? <ErrorNote error={entity.error} /> : <p class="loading">Loading…</p>;
  return (
    <>
      <Header
        kind="units"
        id={u.id}
        title={`${u.unit_number} (${rupees(u.rent)} a month)`}
        created={u.created_at}
      />
      <p>
        Property:{' '}
        <a href={`/admin/directory/properties/${u.property_id}`}>
          <IdText id={u.property_id} />
        </a>{' '}
        · Owner:{' '}
        <a href={`/admin/directory/owners/${u.owner_id}`}>
          <IdText id={u.owner_id} />
        </a>
      </p>
      <div class="grid">
        <Section title="Edit unit">
          <EntityForm
            id="edit-unit"
            key={u.id}
            fields={UNIT_FIELDS}
            initial={{ unit_number: u.unit_number, rent: u.rent }}
            submitLabel="Save unit"
            done="Saved. Payments already started keep their amount."
            onSubmit={async (v) => {
              await apiSend<Unit>('PUT', path, bodyOf(v, ['unit_number', 'rent']));
              entity.reload();
            }}
          />
        </Section>
        <Section title="New tenant in this unit">
          <EntityForm
            id="new-tenant"
            fields={TENANT_FIELDS}
            submitLabel="Create tenant"
            onSubmit={async (v) => {
              const t = await apiSend<Tenant>('POST', '/api/admin/tenants/', {
                unit_id: u.id,
                ...bodyOf(v, ['name', 'email', 'phone']),
              });
              navigate(`/admin/directory/tenants/${t.id}`);
            }}
          />
        </Section>
      </div>
    </>
  );
}

export function TenantPage({ id }: { id: string }) {
  const { path, entity } = useEntity<Tenant>('tenants', id);
  const t = entity.data;
  if (!t) return entity.error ? <ErrorNote error={entity.error} /> : <p class="loading">Loading…</p>;
  return (
    <>
      <Header kind="tenants" id={t.id} title={t.name} created={t.created_at} />
      <p>
        Email {t.email} · Unit:{' '}
        {t.unit_id ? (
          <a href={`/admin/directory/units/${t.unit_id}`}>
            <IdText id={t.unit_id} />
          </a>
        ) : (
          'none (moved out)'
        )}
      </p>
      <Section title="Edit tenant">
        <EntityForm
          id="edit-tenant"
          key={t.id}
          fields={[
            TENANT_FIELDS[0] as FieldSpec,
            TENANT_FIELDS[2] as FieldSpec,
            { name: 'unit_id', label: 'Unit id', hint: 'Leave empty to keep the unit' },
          ]}
          initial={{ name: t.name, phone: t.phone, unit_id: t.unit_id ?? '' }}
          submitLabel="Save tenant"
          done="Saved."
          onSubmit={async (v) => {
            await apiSend<Tenant>('PUT', path, bodyOf(v, ['name', 'phone', 'unit_id']));
            entity.reload();
          }}
        />
      </Section>
    </>
  );
}
