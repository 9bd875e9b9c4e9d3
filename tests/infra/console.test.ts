import { App } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app';
import type { BuiltApp } from '../../infra/build-app';

let app: App;
let built: BuiltApp;
let stateful: Template;
let stateless: Template;
let consoleStack: Template;

beforeAll(() => {
  app = new App({ context: { stage: 'test', 'aws:cdk:bundling-stacks': [] } });
  built = buildApp(app);
  stateful = Template.fromStack(built.stateful);
  stateless = Template.fromStack(built.stateless);
  consoleStack = Template.fromStack(built.console);
});

describe('the operators console on AWS', () => {
  it('serves a private bucket through CloudFront with origin access control, HTTPS only, logged', () => {
    stateful.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { LogFilePrefix: 'site-bucket/' },
    });
    stateful.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    stateful.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
      }),
    });
    stateful.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
        Logging: Match.objectLike({ Prefix: 'cloudfront/' }),
        Origins: [Match.objectLike({ OriginAccessControlId: Match.anyValue() })],
      }),
    });
    // Only CloudFront may read the bucket, and only over TLS.
    const statements = new Capture();
    stateful.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: statements },
      Bucket: { Ref: Match.stringLikeRegexp('ConsoleSite') },
    });
    const list = statements.asArray() as { Effect: string; Principal?: Record<string, unknown> }[];
    expect(list.some((s) => s.Effect === 'Deny')).toBe(true);
    expect(
      list.some((s) => s.Effect === 'Allow' && s.Principal?.Service === 'cloudfront.amazonaws.com'),
    ).toBe(true);
  });

  it('signs in with managed login, authorization code only, a public client that writes no attribute', () => {
    stateful.hasResourceProperties('AWS::Cognito::UserPoolDomain', { ManagedLoginVersion: 2 });
    const client = new Capture();
    stateful.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email'],
      GenerateSecret: false,
      CallbackURLs: client,
      WriteAttributes: [],
    });
    expect(JSON.stringify(client.asArray())).toContain('/admin/');
    stateful.hasResourceProperties('AWS::Cognito::ManagedLoginBranding', { UseCognitoProvidedValues: true });
    const clients = stateful.findResources('AWS::Cognito::UserPoolClient');
    const consoleClient = Object.entries(clients).find(([id]) => id.includes('ConsoleClient'))?.[1];
    expect(consoleClient?.Properties.ExplicitAuthFlows).toEqual(['ALLOW_REFRESH_TOKEN_AUTH']);
  });

  it('lets the API accept the console client and its origin, and nothing else from a browser', () => {
    const audience = new Capture();
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Audience: audience },
    });
    expect(audience.asArray()).toHaveLength(2);
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({
        AllowHeaders: ['authorization', 'content-type'],
        AllowMethods: ['GET', 'POST', 'PUT'],
        AllowOrigins: [Match.anyValue()],
      }),
    });
  });

  it('deploys the page and a config.json made from the stacks, with no cycle between stacks', () => {
    consoleStack.resourceCountIs('Custom::CDKBucketDeployment', 1);
    consoleStack.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketKeyPrefix: 'admin/',
      DistributionPaths: ['/admin/*'],
      SourceMarkers: [Match.anyValue(), Match.objectLike({})],
    });
    // config.json's values are tokens resolved at deploy time: the API URL and the console's client id.
    const markers = JSON.stringify(
      Object.values(consoleStack.findResources('Custom::CDKBucketDeployment'))[0]?.Properties.SourceMarkers,
    );
    expect(markers).toContain('Fn::ImportValue');
    expect(built.console.dependencies.map((s) => s.stackName).sort()).toEqual(
      [built.stateful.stackName, built.stateless.stackName].sort(),
    );
    expect(built.stateful.dependencies).toEqual([]);
  });

  it('passes cdk-nag AwsSolutions in everything the console adds, before and after synthesis', () => {
    // Before synthesis (as a validation plugin sees the tree) and after (cross-stack references resolved).
    const fresh = new App({ context: { stage: 'test', 'aws:cdk:bundling-stacks': [] } });
    const freshBuilt = buildApp(fresh);
    for (const [scope, stacks] of [
      [fresh, freshBuilt],
      [app, built],
    ] as const) {
      const report = new AwsSolutionsChecks(scope).validateScope(scope);
      const consoleFindings = report.violations.flatMap((v) =>
        v.violatingResources
          .map((r) => (r as { constructPath?: string }).constructPath ?? '')
          .filter((path) => path.includes('/Console/') || path.startsWith(`${stacks.console.stackName}/`))
          .map((path) => `${v.ruleName} ${path}`),
      );
      expect(consoleFindings).toEqual([]);
    }
  });
});
