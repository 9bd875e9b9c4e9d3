import { Aspects, Validations } from 'aws-cdk-lib';
import type { App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AlarmNotifications, StageLogDefaults } from './aspects';
import { ConsoleStack } from './console-stack';
import { StatefulStack } from './stateful-stack';
import { StatelessStack } from './stateless-stack';
import type { ProviderEndpoints } from './stateless-stack';
import { InvalidContextError, readStageConfig } from './stage-config';
import type { Providers, StageConfig } from './stage-config';

export { InvalidContextError } from './stage-config';

/** Provider endpoints per environment. Pointing at the local sandboxes is the local stack's job. */
export const PROVIDERS: Record<Providers, Omit<ProviderEndpoints, 'paymentRedirectUrl'>> = {
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

export interface BuiltApp {
  config: StageConfig;
  stateful: StatefulStack;
  stateless: StatelessStack;
  console: ConsoleStack;
}

export interface BuildOptions {
  /**
   * Run cdk-nag's AwsSolutions checks at synthesis (default). The local stack turns them off: it synthesizes
   * at every start, and `npm run synth` and tests/infra already hold the templates to them.
   */
  nag?: boolean;
}

export function buildApp(app: App, options: BuildOptions = {}): BuiltApp {
  const config = readStageConfig((key) => app.node.tryGetContext(key));
  const env = {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION ?? 'ap-south-1',
  };
  // Globally unique across Cognito: the stage and the account keep deployments apart.
  const consoleLoginDomainPrefix = String(
    app.node.tryGetContext('consoleLoginDomainPrefix') ??
      `rent-payout-${config.stage}-${env.account ?? 'local'}`,
  );
  if (
    !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(consoleLoginDomainPrefix) ||
    /aws|amazon|cognito/.test(consoleLoginDomainPrefix)
  )
    throw new InvalidContextError(
      `context consoleLoginDomainPrefix "${consoleLoginDomainPrefix}" must be lowercase letters, digits and - ` +
        '(at most 63, not containing aws, amazon or cognito)',
    );
  const stateful = new StatefulStack(app, `RentPayout-${config.stage}-Stateful`, {
    env,
    config,
    consoleLoginDomainPrefix,
  });
  const stateless = new StatelessStack(app, `RentPayout-${config.stage}-Stateless`, {
    env,
    config,
    stateful,
    endpoints: { ...PROVIDERS[config.providers], paymentRedirectUrl: config.paymentRedirectUrl },
  });
  stateless.addStackDependency(stateful);
  const consoleStack = new ConsoleStack(app, `RentPayout-${config.stage}-Console`, {
    env,
    hosting: stateful.console,
    apiUrl: stateless.httpApi.apiEndpoint,
  });
  consoleStack.addStackDependency(stateless);

  // Whole-app rules, so that alarms and log groups added anywhere (now or later) follow them.
  Aspects.of(app).add(new AlarmNotifications(stateful.alarmTopic));
  Aspects.of(app).add(new StageLogDefaults(config));
  if (options.nag !== false) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { config, stateful, stateless, console: consoleStack };
}
