import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';

/**
 * What differs between deployments, read once from CDK context (`-c stage=prod -c alarmEmail=...`).
 * The stage named `prod` is production; every other stage name (dev, a person's name, ci) is a development
 * deployment. Production has no defaults for what only the operator knows: a missing value is a synth error.
 */
export type StageProfile = 'dev' | 'prod';
export type Providers = 'sandbox' | 'production';

export interface StageConfig {
  /** Names the stacks: RentPayout-<stage>-Stateful / -Stateless. */
  stage: string;
  profile: StageProfile;
  /** PhonePe and Cashfree environment: production moves real money. */
  providers: Providers;
  /** Where PhonePe sends the tenant after checkout (the tenant app's page). */
  paymentRedirectUrl: string;
  /** The SNS alarm topic's email subscription; none in a dev stage without one. */
  alarmEmail: string | null;
  logRetention: RetentionDays;
  logLevel: 'DEBUG' | 'INFO';
  /** Tables, queues, secrets, user pool and logs: deletion protection on, kept when a stack is deleted. */
  protectData: boolean;
  /**
   * Whether every Cashfree call must carry the 2FA signature (X-Cf-Signature). Production requires it unless
   * the deployment sends Cashfree calls from allowlisted IPs instead (context cashfreeIpAllowlist=true).
   */
  cashfreeSignatureRequired: boolean;
}

export class InvalidContextError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'InvalidContextError';
  }
}

/** Development stages only: production has no placeholder. */
export const DEV_PAYMENT_REDIRECT_URL = 'https://example.com/rent/payment-complete';

const stageName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,15}$/, 'must be 1-16 lowercase letters, digits or -, starting with a letter');
const httpsUrl = z.url({ protocol: /^https$/, error: 'must be an https URL' });
const email = z.email({ error: 'must be an email address' });
const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

const contextSchema = z.object({
  stage: stageName.default('dev'),
  paymentRedirectUrl: httpsUrl.optional(),
  alarmEmail: email.optional(),
  cashfreeIpAllowlist: flag.default(false),
});

/** `tryGetContext` for each key this app reads; unknown values are refused with the key's name. */
export function readStageConfig(context: (key: string) => unknown): StageConfig {
  if (context('providers') !== undefined) {
    throw new InvalidContextError(
      'context providers is not a setting: the stage decides (stage prod: production providers; any other stage: sandbox)',
    );
  }
  const parsed = contextSchema.safeParse({
    stage: context('stage'),
    paymentRedirectUrl: context('paymentRedirectUrl'),
    alarmEmail: context('alarmEmail'),
    cashfreeIpAllowlist: context('cashfreeIpAllowlist'),
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `context ${i.path.join('.')} ${i.message}`);
    throw new InvalidContextError(problems.join('; '));
  }
  const c = parsed.data;
  if (c.stage !== 'prod') {
    return {
      stage: c.stage,
      profile: 'dev',
      providers: 'sandbox',
      paymentRedirectUrl: c.paymentRedirectUrl ?? DEV_PAYMENT_REDIRECT_URL,
      alarmEmail: c.alarmEmail ?? null,
      logRetention: RetentionDays.ONE_MONTH,
      logLevel: 'DEBUG',
      protectData: false,
      // Cashfree's sandbox accepts calls from any IP; a configured public key is still used when present.
      cashfreeSignatureRequired: false,
    };
  }
  const missing = [
    ...(c.paymentRedirectUrl ? [] : ['paymentRedirectUrl (the tenant app page PhonePe returns to, https)']),
    ...(c.alarmEmail ? [] : ['alarmEmail (who receives the alarms)']),
  ];
  if (missing.length > 0) {
    throw new InvalidContextError(
      `stage prod needs context ${missing.join(' and ')}: e.g. cdk deploy --all -c stage=prod ` +
        '-c paymentRedirectUrl=https://<tenant app>/rent/payment-complete -c alarmEmail=<ops address>',
    );
  }
  return {
    stage: c.stage,
    profile: 'prod',
    providers: 'production',
    paymentRedirectUrl: c.paymentRedirectUrl as string,
    alarmEmail: c.alarmEmail as string,
    logRetention: RetentionDays.ONE_YEAR,
    logLevel: 'INFO',
    protectData: true,
    cashfreeSignatureRequired: !c.cashfreeIpAllowlist,
  };
}
