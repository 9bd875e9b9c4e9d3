import { render } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { configureApi } from './api';
import { isAdminSession, restoreSession, signIn, signOut } from './auth';
import type { Session } from './auth';
import { loadConfig } from './config';
import type { ConsoleConfig } from './config';
import { AttentionPage } from './pages/attention';
import { DirectoryPage, OwnerPage, PropertyPage, TenantPage, UnitPage } from './pages/directory';
import { PayoutPage } from './pages/payout';
import { PayoutsPage } from './pages/payouts';
import { SummaryPage } from './pages/summary';
import { interceptLinks, match, useLocation } from './router';
import './styles.css';

const NAV = [
  { href: '/admin/payouts', label: 'Payouts' },
  { href: '/admin/attention', label: 'Needs an operator' },
  { href: '/admin/summary', label: 'Summary' },
  { href: '/admin/directory', label: 'Directory' },
];

function Routes() {
  const { path, query } = useLocation();
  const main = useRef<HTMLElement>(null);
  useEffect(() => {
    // A new view: move focus to it, so keyboard and screen-reader users start at its heading.
    const heading = main.current?.querySelector('h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
  }, [path]);
  let page;
  let m: Record<string, string> | null;
  if (path === '/admin/payouts') page = <PayoutsPage query={query} />;
  else if ((m = match('/admin/payouts/:id', path))) page = <PayoutPage id={m.id ?? ''} key={m.id} />;
  else if (path === '/admin/summary') page = <SummaryPage query={query} />;
  else if (path === '/admin/attention') page = <AttentionPage />;
  else if (path === '/admin/directory') page = <DirectoryPage query={query} />;
  else if ((m = match('/admin/directory/owners/:id', path))) page = <OwnerPage id={m.id ?? ''} key={m.id} />;
  else if ((m = match('/admin/directory/properties/:id', path)))
    page = <PropertyPage id={m.id ?? ''} key={m.id} />;
  else if ((m = match('/admin/directory/units/:id', path))) page = <UnitPage id={m.id ?? ''} key={m.id} />;
  else if ((m = match('/admin/directory/tenants/:id', path)))
    page = <TenantPage id={m.id ?? ''} key={m.id} />;
  else page = <h1 tabIndex={-1}>Not found</h1>;
  return (
    <main id="main" ref={main}>
      {page}
    </main>
  );
}

function Shell({ config, session }: { config: ConsoleConfig; session: Session }) {
  const { path } = useLocation();
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/admin/payouts">
          rent-payout <span>console</span>
        </a>
        <nav aria-label="Console">
          <ul>
            {NAV.map((n) => (
              <li key={n.href}>
                <a
                  href={n.href}
                  aria-current={path === n.href || path.startsWith(`${n.href}/`) ? 'page' : undefined}
                >
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span title={session.sub}>{session.email ?? session.sub}</span>
          <button type="button" class="secondary small" onClick={() => signOut(config)}>
            Sign out
          </button>
        </div>
      </header>
      <Routes />
    </>
  );
}

function Refused({ config, session }: { config: ConsoleConfig; session: Session }) {
  return (
    <main id="main" class="refused">
      <h1>Admins only</h1>
      <p role="alert">
        You are signed in as <strong>{session.email ?? session.sub}</strong> (groups:{' '}
        {session.groups.join(', ') || 'none'}). This console is for operators in the <code>admins</code>{' '}
        group; the API refuses everyone else too.
      </p>
      <button type="button" onClick={() => signOut(config)}>
        Sign in as someone else
      </button>
    </main>
  );
}

async function start(): Promise<void> {
  const root = document.getElementById('app') as HTMLElement;
  try {
    const config = await loadConfig();
    const session = await restoreSession(config);
    if (!session) {
      await signIn(config);
      return;
    }
    configureApi({
      baseUrl: config.apiUrl.replace(/\/$/, ''),
      token: () => session.token,
      onUnauthorized: () => void signIn(config),
    });
    // The console's home is the payouts list.
    if (/^\/admin\/?(index\.html)?$/.test(location.pathname))
      history.replaceState(null, '', '/admin/payouts');
    interceptLinks(root);
    root.textContent = '';
    render(
      isAdminSession(session) ? (
        <Shell config={config} session={session} />
      ) : (
        <Refused config={config} session={session} />
      ),
      root,
    );
  } catch (error) {
    root.innerHTML = '';
    const p = document.createElement('p');
    p.className = 'error-note';
    p.setAttribute('role', 'alert');
    p.textContent = `The console could not start: ${(error as Error).message}`;
    root.append(p);
  }
}

void start();
