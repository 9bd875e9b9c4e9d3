import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ConsoleHosting } from './console-hosting';

/**
 * What holds data and must outlive any deployment of the code: tables, dead-letter queues, secrets, users.
 * Key design and access patterns: shared/repositories/keys.ts.
 */
export interface StatefulStackProps extends StackProps {
  /** Prefix of the console's managed login domain (https://<prefix>.auth.<region>.amazoncognito.com). */
  consoleLoginDomainPrefix: string;
  stage: string;
}

export class StatefulStack extends Stack {
  public readonly directoryTable: dynamodb.Table;
  public readonly paymentsTable: dynamodb.Table;
  public readonly payoutsTable: dynamodb.Table;
  public readonly startPayoutsDlq: sqs.Queue;
  public readonly confirmPaymentsDlq: sqs.Queue;
  public readonly phonepeSecret: secretsmanager.Secret;
  public readonly cashfreeSecret: secretsmanager.Secret;
  public readonly paymentDetailsKey: secretsmanager.Secret;
  public readonly userPool: cognito.UserPool;
  public readonly userPoolClient: cognito.UserPoolClient;
  public readonly console: ConsoleHosting;

  public constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);

    const tableDefaults = {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
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

    this.payoutsTable = new dynamodb.Table(this, 'PayoutsTable', tableDefaults);
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
    // Sparse: only payouts flagged needs_attention carry gsi5pk (the operators' queue).
    this.payoutsTable.addGlobalSecondaryIndex({
      indexName: 'byAttention',
      partitionKey: { name: 'gsi5pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'gsi5sk', type: dynamodb.AttributeType.STRING },
    });

    const dlq = (name: string) =>
      new sqs.Queue(this, name, {
        retentionPeriod: Duration.days(14),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    this.startPayoutsDlq = dlq('StartPayoutsDlq');
    this.confirmPaymentsDlq = dlq('ConfirmPaymentsDlq');

    // Operators put the real values in after the first deploy; the generated JSON only shows the shape.
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
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.cashfreeSecret = new secretsmanager.Secret(this, 'CashfreeCredentials', {
      description: 'Cashfree Payouts v2: {clientId, clientSecret}',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ clientId: 'SET_ME' }),
        generateStringKey: 'clientSecret',
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Encrypts owners' bank account numbers at rest (AES-256-GCM in the application); keyId names the key so a
    // rotation can keep old values readable.
    this.paymentDetailsKey = new secretsmanager.Secret(this, 'PaymentDetailsKey', {
      description: 'Key for owner account numbers: {key, keyId}',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ keyId: 'k1' }),
        generateStringKey: 'key',
        passwordLength: 64,
        excludePunctuation: true,
      },
      removalPolicy: RemovalPolicy.RETAIN,
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
      customAttributes: {
        owner_id: new cognito.StringAttribute({ mutable: true, minLen: 1, maxLen: 64 }),
        tenant_id: new cognito.StringAttribute({ mutable: true, minLen: 1, maxLen: 64 }),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const group of ['owners', 'tenants', 'admins']) {
      new cognito.CfnUserPoolGroup(this, `Group-${group}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: group,
      });
    }
    this.userPoolClient = this.userPool.addClient('OwnerAppClient', {
      authFlows: { userSrp: true },
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
    });

    this.console = new ConsoleHosting(this, 'Console', {
      userPool: this.userPool,
      domainPrefix: props.consoleLoginDomainPrefix,
      stage: props.stage,
    });

    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });
    new CfnOutput(this, 'ConsoleClientId', { value: this.console.client.userPoolClientId });
    new CfnOutput(this, 'ConsoleLoginUrl', { value: this.console.loginUrl });
  }
}
