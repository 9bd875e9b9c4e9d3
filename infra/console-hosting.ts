import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/**
 * Where the operators' console lives on AWS, and who may sign in to it: a private S3 bucket behind CloudFront
 * (origin access control), Cognito managed login on the user pool, and the console's own app client
 * (authorization code with PKCE, no secret). It sits in the Stateful stack because its address must not
 * change: the app client's callback URL is the distribution's domain, and the HTTP API's JWT authorizer (in
 * the Stateless stack) accepts this client as an audience. The page itself and its config.json are deployed
 * by the Console stack, after both.
 */
export interface ConsoleHostingProps {
  userPool: cognito.UserPool;
  /** Cognito domain prefix (globally unique): https://<prefix>.auth.<region>.amazoncognito.com */
  domainPrefix: string;
  stage: string;
}

/**
 * The site bucket's name, from the stage, account and region: the Console stack names the bucket by it rather
 * than by a cross-stack reference, so its deployment's IAM policy reads the same before and after synthesis.
 */
export function consoleBucketName(stage: string): string {
  return `rp-console-${stage}-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
}

/** The console's path on its distribution (the same as on the local stack). */
export const CONSOLE_PREFIX = 'admin';

// A view of the page (no file extension) is served index.html; "/" goes to the console.
const VIEWER_REQUEST = `function handler(event) {
  var r = event.request;
  if (r.uri === '/' || r.uri === '/${CONSOLE_PREFIX}') {
    return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: '/${CONSOLE_PREFIX}/' } } };
  }
  if (r.uri.indexOf('/${CONSOLE_PREFIX}/') === 0 && r.uri.split('/').pop().indexOf('.') === -1) {
    r.uri = '/${CONSOLE_PREFIX}/index.html';
  }
  return r;
}`;

export class ConsoleHosting extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly bucketName: string;
  public readonly distribution: cloudfront.Distribution;
  public readonly domain: cognito.UserPoolDomain;
  public readonly client: cognito.UserPoolClient;
  /** https://<distribution domain> */
  public readonly origin: string;

  public constructor(scope: Construct, id: string, props: ConsoleHostingProps) {
    super(scope, id);
    const region = Stack.of(this).region;

    const logs = new s3.Bucket(this, 'Logs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront's standard logs are written with ACLs.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(logs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it into itself would loop.',
    });

    this.bucketName = consoleBucketName(props.stage);
    this.bucket = new s3.Bucket(this, 'Site', {
      bucketName: this.bucketName,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'site-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const domainName = `${props.domainPrefix}.auth.${region}.amazoncognito.com`;
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'Headers', {
      comment: 'rent-payout console: CSP (the API and Cognito only), HSTS, no framing',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            `connect-src 'self' https://*.execute-api.${region}.amazonaws.com https://${domainName}`,
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
          ].join('; '),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'rent-payout operators console',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        functionAssociations: [
          {
            eventType: cloudfront.FunctionEventType.VIEWER_REQUEST,
            function: new cloudfront.Function(this, 'Views', {
              code: cloudfront.FunctionCode.fromInline(VIEWER_REQUEST),
              runtime: cloudfront.FunctionRuntime.JS_2_0,
              comment: 'Serve the console page for its views; send / to the console',
            }),
          },
        ],
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_200,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
    });
    this.origin = `https://${this.distribution.distributionDomainName}`;
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'Operators work from anywhere; who may use the console is decided by Cognito and the admins group.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'Static files only: every request that reads or moves money goes to the HTTP API, which checks the JWT. ' +
          'A WAF web ACL (us-east-1) can be attached without changing the page.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The distribution uses the default *.cloudfront.net certificate, on which CloudFront cannot enforce a ' +
          'minimum TLS version; TLSv1.2_2021 applies as soon as a custom domain and certificate are added.',
      },
    );

    this.domain = props.userPool.addDomain('ConsoleLogin', {
      cognitoDomain: { domainPrefix: props.domainPrefix },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    const home = `${this.origin}/${CONSOLE_PREFIX}/`;
    this.client = props.userPool.addClient('ConsoleClient', {
      generateSecret: false,
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
        callbackUrls: [home],
        logoutUrls: [home],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      // The console reads who signed in; it writes no attribute (owner and tenant ids least of all).
      readAttributes: new cognito.ClientAttributes().withStandardAttributes({
        email: true,
        emailVerified: true,
      }),
      writeAttributes: new cognito.ClientAttributes(),
    });
    // Left unset, Cognito would also allow SRP and custom auth on this client: managed login needs neither.
    (this.client.node.defaultChild as cognito.CfnUserPoolClient).addPropertyOverride('ExplicitAuthFlows', [
      'ALLOW_REFRESH_TOKEN_AUTH',
    ]);
    new cognito.CfnManagedLoginBranding(this, 'LoginBranding', {
      userPoolId: props.userPool.userPoolId,
      clientId: this.client.userPoolClientId,
      useCognitoProvidedValues: true,
    });
  }

  /** Managed login's base URL (https://<prefix>.auth.<region>.amazoncognito.com). */
  public get loginUrl(): string {
    return this.domain.baseUrl();
  }
}
