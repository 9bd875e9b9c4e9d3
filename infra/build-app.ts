import type { App } from 'aws-cdk-lib';
import { ConsoleStack } from './console-stack';
import { StatefulStack } from './stateful-stack';
import { StatelessStack } from './stateless-stack';
import type { ProviderEndpoints } from './stateless-stack';

/** Provider endpoints per environment (EXTERNAL-APIS.md). Pointing at the local sandboxes is the local stack's job. */
export const PROVIDERS: Record<'sandbox' | 'production', Omit<ProviderEndpoints, 'paymentRedirectUrl'>> = {
  sandbox: {
    phonepeOAuthBaseUrl: 'https://api-preprod.phonepe.com/apis/pg-sandbox',
    phonepePgBaseUrl: 'https://api-preprod.phonepe.com/apis/pg-sandbox',
    cashfreeBaseUrl: 'https://sandbox.cashfree.com/payout',
  },
  production: {
    phonepeOAuthBaseUrl: 'https://api.phonepe.com/apis/identity-manager',
    phonepePgBaseUrl: 'https://api.phonepe.com/apis/pg',
    cashfreeBaseUrl: 'https://api.cashfree.com/payout',
  },
};

export class InvalidContextError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'InvalidContextError';
  }
}

export interface BuiltApp {
  stateful: StatefulStack;
  stateless: StatelessStack;
  console: ConsoleStack;
}

export function buildApp(app: App): BuiltApp {
  const stage = String(app.node.tryGetContext('stage') ?? 'dev');
  if (!/^[a-z][a-z0-9-]{0,15}$/.test(stage))
    throw new InvalidContextError(`context stage "${stage}" must be lowercase letters, digits or -`);
  const providers = String(app.node.tryGetContext('providers') ?? 'sandbox');
  if (providers !== 'sandbox' && providers !== 'production') {
    throw new InvalidContextError(`context providers must be "sandbox" or "production", got "${providers}"`);
  }
  const paymentRedirectUrl = String(
    app.node.tryGetContext('paymentRedirectUrl') ?? 'https://example.com/rent/payment-complete',
  );
  const env = {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION ?? 'ap-south-1',
  };
  // Globally unique across Cognito: the stage and the account keep deployments apart.
  const consoleLoginDomainPrefix = String(
    app.node.tryGetContext('consoleLoginDomainPrefix') ?? `rent-payout-${stage}-${env.account ?? 'local'}`,
  );
  if (
    !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(consoleLoginDomainPrefix) ||
    /aws|amazon|cognito/.test(consoleLoginDomainPrefix)
  )
    throw new InvalidContextError(
      `context consoleLoginDomainPrefix "${consoleLoginDomainPrefix}" must be lowercase letters, digits and - ` +
        '(at most 63, not containing aws, amazon or cognito)',
    );
  const stateful = new StatefulStack(app, `RentPayout-${stage}-Stateful`, {
    env,
    consoleLoginDomainPrefix,
    stage,
  });
  const stateless = new StatelessStack(app, `RentPayout-${stage}-Stateless`, {
    env,
    stateful,
    endpoints: { ...PROVIDERS[providers], paymentRedirectUrl },
  });
  stateless.addStackDependency(stateful);
  const consoleStack = new ConsoleStack(app, `RentPayout-${stage}-Console`, {
    env,
    hosting: stateful.console,
    apiUrl: stateless.httpApi.apiEndpoint,
  });
  consoleStack.addStackDependency(stateless);
  return { stateful, stateless, console: consoleStack };
}
