import { Capture, Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROVIDERS } from '../../infra/build-app';
import { FUNCTIONS } from '../../infra/function-catalog';
import { FUNCTION_KEYS, functionResource, PROD_CONTEXT, synthesize } from './support';
import type { Synthesized } from './support';

/** The prod stage, synthesized once with cdk-nag: where it differs from a dev stage. */
let s: Synthesized;

beforeAll(() => {
  s = synthesize(PROD_CONTEXT);
});

describe('the prod stage', () => {
  it('passes cdk-nag AwsSolutions with every exception acknowledged', () => {
    expect(s.violations).toEqual([]);
  });

  it('protects its data: deletion protection on, tables, queues, secrets, users and logs kept on delete', () => {
    const tables = Object.values(s.stateful.findResources('AWS::DynamoDB::Table'));
    expect(tables).toHaveLength(3);
    for (const table of tables) {
      expect(table.Properties.DeletionProtectionEnabled).toBe(true);
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
    }
    for (const type of ['AWS::SQS::Queue', 'AWS::SecretsManager::Secret', 'AWS::Cognito::UserPool']) {
      for (const resource of Object.values(s.stateful.findResources(type))) {
        expect([type, resource.DeletionPolicy]).toEqual([type, 'Retain']);
      }
    }
    s.stateful.hasResourceProperties('AWS::Cognito::UserPool', {
      DeletionProtection: 'ACTIVE',
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
    for (const group of Object.values(s.stateless.findResources('AWS::Logs::LogGroup'))) {
      expect(group.Properties.RetentionInDays).toBe(365);
      expect(group.DeletionPolicy).toBe('Retain');
    }
  });

  it('mails the alarms to the alarm email', () => {
    s.stateful.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: PROD_CONTEXT.alarmEmail,
      TopicArn: { Ref: Match.stringLikeRegexp('^AlarmTopic') },
    });
  });

  it('calls the production PhonePe and Cashfree, requires the Cashfree 2FA signature, logs at INFO', () => {
    for (const key of FUNCTION_KEYS) {
      const variables = (
        functionResource(s.stateless, key)[1].Properties.Environment as { Variables: Record<string, unknown> }
      ).Variables;
      expect(variables.POWERTOOLS_LOG_LEVEL).toBe('INFO');
      const needs = FUNCTIONS[key].needs as readonly string[];
      if (needs.includes('cashfree')) {
        expect(variables).toMatchObject({
          CASHFREE_BASE_URL: PROVIDERS.production.cashfreeBaseUrl,
          CASHFREE_SIGNATURE_REQUIRED: 'true',
        });
      }
      if (needs.includes('phonepe')) {
        expect(variables).toMatchObject({
          PHONEPE_OAUTH_BASE_URL: PROVIDERS.production.phonepeOAuthBaseUrl,
          PHONEPE_PG_BASE_URL: PROVIDERS.production.phonepePgBaseUrl,
        });
      }
    }
    const redirect = new Capture();
    s.stateless.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PAYMENT_REDIRECT_URL: redirect }) },
    });
    expect(redirect.asString()).toBe(PROD_CONTEXT.paymentRedirectUrl);
  });

  it('points nothing at a placeholder or a sandbox', () => {
    for (const template of [s.stateful, s.stateless]) {
      const text = JSON.stringify(template.toJSON());
      expect(text).not.toContain('example.com');
      expect(text).not.toMatch(/sandbox\.cashfree|pg-sandbox|preprod/);
    }
  });

  it('names its alarms and dashboard after the stage', () => {
    s.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'rent-payout-prod-PayoutReversed',
    });
    s.stateless.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'rent-payout-prod' });
  });
});
