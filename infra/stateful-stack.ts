import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ConsoleHosting } from './console-hosting';
import type { StageConfig } from './stage-config';

export interface StatefulStackProps extends StackProps {
  config: StageConfig;
  /** Prefix of the console's managed login domain (https://<prefix>.auth.<region>.amazoncognito.com). */
  consoleLoginDomainPrefix: string;
}

/**
 * What holds data and must outlive any deployment of the code: tables, dead-letter queues, secrets, users,
 * and the alarm topic (its email subscription stays confirmed across deployments of the code).
 * Key design and access patterns: shared/repositories/keys.ts.
 */
export class StatefulStack extends Stack {
  public readonly directoryTable: dynamodb.Table;
  public readonly paymentsTable: dynamodb.Table;
  public readonly payoutsTable: dynamodb.Table;
  public readonly startPayoutsDlq: sqs.Queue;
  public readonly confirmPaymentsDlq: sqs.Queue;
  /** Every dead-letter queue made by `dlq()`: each gets a not-empty alarm. */
  public readonly deadLetterQueues: sqs.Queue[] = [];
  /** Every alarm of the app notifies this topic (infra/aspects.ts). */
  public readonly alarmTopic: sns.Topic;
  public readonly phonepeSecret: secretsmanager.Secret;
  public readonly cashfreeSecret: secretsmanager.Secret;
  public readonly paymentDetailsKey: secretsmanager.Secret;
  public readonly userPool: cognito.UserPool;
  public readonly userPoolClient: cognito.UserPoolClient;
  public readonly console: ConsoleHosting;

  public constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    // Production keeps its data whatever happens to the stack; a dev stage can be deleted whole.
    const removalPolicy = config.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    const tableDefaults = {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: config.protectData,
      removalPolicy,
    } as const;

    this.directoryTable = new dynamodb.Table(this, 'DirectoryTable', tableDefaults);
    this.directoryTable.addGlobalSecondaryIndex({
      indexName: 'byName',
      partitionKey: { name: 'gsi1pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });

    this.paymentsTable = new dynamodb.Table(this, 'PaymentsTable', {
      ...tableDefaults,
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      timeToLiveAttribute: 'expiresAt',
    });
    this.paymentsTable.addGlobalSecondaryIndex({
      indexName: 'byStatus',
      partitionKey: { name: 'gsi1pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: dynamodb.AttributeType.STRING },
    });

    // TTL: the check_status claims (`PAYOUT#<id>` / `STATUS_CHECK`) carry `expiresAt` in epoch seconds;
    // payouts themselves never expire.
    this.payoutsTable = new dynamodb.Table(this, 'PayoutsTable', {
      ...tableDefaults,
      timeToLiveAttribute: 'expiresAt',
    });
    this.payoutsTable.addGlobalSecondaryIndex({
      indexName: 'byOwner',
      partitionKey: { name: 'gsi1pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: dynamodb.AttributeType.STRING },
    });
    this.payoutsTable.addGlobalSecondaryIndex({
      indexName: 'byStatus',
      partitionKey: { name: 'gsi2pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'gsi2sk', type: dynamodb.AttributeType.STRING },
    });
    this.payoutsTable.addGlobalSecondaryIndex({
      indexName: 'byOwnerStatus',
      partitionKey: { name: 'gsi3pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'gsi3sk', type: dynamodb.AttributeType.STRING },
    });
    this.payoutsTable.addGlobalSecondaryIndex({
      indexName: 'byMonth',
      partitionKey: { name: 'gsi4pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'gsi4sk', type: dynamodb.AttributeType.STRING },
    });
    // Sparse: only payouts the payout reconciler still watches; it reads ids and then the items themselves.
    this.payoutsTable.addGlobalSecondaryIndex({
      indexName: 'byWatch',
      partitionKey: { name: 'gsi5pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'gsi5sk', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });
    // Sparse: only payouts flagged needs_attention carry gsi6pk (the operators' queue).
    this.payoutsTable.addGlobalSecondaryIndex({
      indexName: 'byAttention',
      partitionKey: { name: 'gsi6pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'gsi6sk', type: dynamodb.AttributeType.STRING },
    });

    const dlq = (name: string) => {
      const queue = new sqs.Queue(this, name, {
        retentionPeriod: Duration.days(14),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        removalPolicy,
      });
      Validations.of(queue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself a dead-letter queue (an on-failure destination); it needs none of its own.',
      });
      this.deadLetterQueues.push(queue);
      return queue;
    };
    this.startPayoutsDlq = dlq('StartPayoutsDlq');
    this.confirmPaymentsDlq = dlq('ConfirmPaymentsDlq');

    // Operators put the real values in after the first deploy; the generated JSON only shows the shape. Until
    // then the "SET_ME" placeholders are refused: every function that needs the secret declines its work (the
    // webhooks answer 503) and raises the CredentialsArePlaceholders alarm (shared/config/secrets.ts).
    this.phonepeSecret = new secretsmanager.Secret(this, 'PhonePeCredentials', {
      description: 'PhonePe PG v2: {clientId, clientSecret, clientVersion, webhookUsername, webhookPassword}',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({
          clientId: 'SET_ME',
          clientVersion: '1',
          webhookUsername: 'SET_ME',
          webhookPassword: 'SET_ME',
        }),
        generateStringKey: 'clientSecret',
      },
      removalPolicy,
    });
    this.cashfreeSecret = new secretsmanager.Secret(this, 'CashfreeCredentials', {
      description: 'Cashfree Payouts v2: {clientId, clientSecret, publicKey (2FA, PEM; production)}',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ clientId: 'SET_ME' }),
        generateStringKey: 'clientSecret',
      },
      removalPolicy,
    });

    // Encrypts owners' bank account numbers at rest (AES-256-GCM in the application). A key ring: keyId/key are
    // the current key, previousKeys the keys of earlier rotations still needed to read older values
    // (docs/operations.md, "Rotating the payment-details key"). The generated key is usable as created.
    this.paymentDetailsKey = new secretsmanager.Secret(this, 'PaymentDetailsKey', {
      description: 'Key ring for owner account numbers: {keyId, key, previousKeys: {<keyId>: <key>}}',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ keyId: 'k1' }),
        generateStringKey: 'key',
        passwordLength: 64,
        excludePunctuation: true,
      },
      removalPolicy,
    });

    this.userPool = new cognito.UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { sms: false, otp: true },
      // The directory ids every authorization check trusts. They stay mutable so admins can set and correct them
      // (AdminUpdateUserAttributes; an immutable attribute can be set only when the user is created), and
      // because Cognito cannot change an existing attribute's schema: making them immutable now means a new
      // user pool, which loses every user and password. What keeps users from writing them is the app client's
      // writeAttributes below, which leaves them out.
      customAttributes: {
        owner_id: new cognito.StringAttribute({ mutable: true, minLen: 1, maxLen: 64 }),
        tenant_id: new cognito.StringAttribute({ mutable: true, minLen: 1, maxLen: 64 }),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      deletionProtection: config.protectData,
      // An owner account taken over could redirect rent to another bank account: production pays for
      // Cognito's threat protection (compromised credentials, risky sign-ins blocked).
      ...(config.protectData
        ? {
            featurePlan: cognito.FeaturePlan.PLUS,
            standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
          }
        : {}),
      removalPolicy,
    });
    for (const group of ['owners', 'tenants', 'admins']) {
      new cognito.CfnUserPoolGroup(this, `Group-${group}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: group,
      });
    }
    // Without writeAttributes a client may write every mutable attribute, so a user could rewrite their own
    // custom:owner_id with UpdateUserAttributes and their access token. Users may change only their profile;
    // the ids are readable (they are in the ID token) and written by admins only.
    const profile = { email: true, fullname: true, phoneNumber: true } as const;
    this.userPoolClient = this.userPool.addClient('OwnerAppClient', {
      readAttributes: new cognito.ClientAttributes()
        .withStandardAttributes({ ...profile, emailVerified: true, phoneNumberVerified: true })
        .withCustomAttributes('owner_id', 'tenant_id'),
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes(profile),
      authFlows: { userSrp: true },
      // The apps sign in with SRP; no hosted UI. (CDK's OAuth default is the implicit flow to example.com.)
      disableOAuth: true,
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
    });

    this.console = new ConsoleHosting(this, 'Console', {
      userPool: this.userPool,
      domainPrefix: props.consoleLoginDomainPrefix,
      stage: config.stage,
    });

    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `rent-payout ${config.stage} alarms`,
      enforceSSL: true,
    });
    if (config.alarmEmail) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));
    }

    this.acknowledgeChecks(config);

    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });
    new CfnOutput(this, 'ConsoleClientId', { value: this.console.client.userPoolClientId });
    new CfnOutput(this, 'ConsoleLoginUrl', { value: this.console.loginUrl });
  }

  /** cdk-nag AwsSolutions findings this stack accepts, each with the reason. */
  private acknowledgeChecks(config: StageConfig): void {
    for (const secret of [this.phonepeSecret, this.cashfreeSecret]) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Provider credentials are issued and rotated in the provider dashboard (PhonePe, Cashfree), then ' +
          'written here by an operator (docs/deploy.md); Secrets Manager cannot rotate them itself.',
      });
    }
    Validations.of(this.paymentDetailsKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The account-number key is rotated by the application (a new keyId; stored values name the key that ' +
        'encrypted them), which a Secrets Manager rotation Lambda would not do.',
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        'MFA (TOTP) is optional: the owner and tenant apps sign users in with SRP and do not enrol TOTP. ' +
        'Production blocks risky sign-ins (threat protection), and every payment-details change is kept with ' +
        'who made it.',
    });
    if (!config.protectData) {
      Validations.of(this.userPool).acknowledge({
        id: 'AwsSolutions-COG3',
        reason: 'Development stage with test users only; production enforces threat protection (Plus plan).',
      });
      Validations.of(this.userPool).acknowledge({
        id: 'AwsSolutions-COG8',
        reason: 'Development stage with test users only; production is on the Plus plan.',
      });
    }
    Validations.of(this.alarmTopic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'CloudWatch alarms cannot publish to a topic encrypted with the AWS managed SNS key; the messages ' +
        'carry alarm names and states only, no customer data.',
    });
  }
}
