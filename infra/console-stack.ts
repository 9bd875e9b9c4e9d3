import { CfnOutput, DockerImage, Stack, Token, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { StackProps } from 'aws-cdk-lib';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import { buildConsole } from '../console/build';
import { CONSOLE_PREFIX } from './console-hosting';
import type { ConsoleHosting } from './console-hosting';

const CONSOLE_DIR = fileURLToPath(new URL('../console', import.meta.url));

export interface ConsoleStackProps extends StackProps {
  hosting: ConsoleHosting;
  /** The HTTP API's URL (the Stateless stack's), which the page calls. */
  apiUrl: string;
}

/**
 * Deploys the operators' console into its bucket: the page, built by esbuild when CDK bundles the asset, and
 * config.json written from the stacks' values at deploy time (API URL, managed login domain, app client), so
 * nobody edits it by hand. Last of the three stacks: it reads the Stateful stack's hosting and the Stateless
 * stack's API, and nothing reads it.
 */
export class ConsoleStack extends Stack {
  public constructor(scope: Construct, id: string, props: ConsoleStackProps) {
    super(scope, id, props);
    const { hosting } = props;
    const home = `${hosting.origin}/${CONSOLE_PREFIX}/`;
    const page = s3deploy.Source.asset(CONSOLE_DIR, {
      exclude: ['dist', 'node_modules'],
      bundling: {
        // Only used if local bundling were impossible; the local build needs nothing but node_modules.
        image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim'),
        local: {
          tryBundle(outputDir: string) {
            buildConsole(outputDir);
            return true;
          },
        },
      },
    });
    const config = s3deploy.Source.jsonData('config.json', {
      apiUrl: props.apiUrl,
      auth: {
        kind: 'cognito',
        domain: hosting.loginUrl,
        clientId: hosting.client.userPoolClientId,
        redirectUri: home,
        logoutUri: home,
      },
    });
    new s3deploy.BucketDeployment(this, 'Page', {
      sources: [page, config],
      destinationBucket: s3.Bucket.fromBucketName(this, 'Site', hosting.bucketName),
      destinationKeyPrefix: `${CONSOLE_PREFIX}/`,
      distribution: hosting.distribution,
      distributionPaths: [`/${CONSOLE_PREFIX}/*`],
      // Small files: every view revalidates, so a deployment shows at once (the script names are hashed).
      cacheControl: [s3deploy.CacheControl.noCache()],
      memoryLimit: 256,
    });
    // CDK's BucketDeployment handler: cdk-nag reports each of its policy's findings by name.
    const region = Token.isUnresolved(this.region) ? '<AWS::Region>' : this.region;
    const copy =
      'the BucketDeployment handler (aws-cdk-lib) copies the asset into the console prefix and deletes what ' +
      'the new version no longer has: S3 read on its asset bucket, read/write on the site bucket';
    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "The BucketDeployment handler's managed policy only lets it write its own logs.",
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'cloudfront:CreateInvalidation, which CloudFront does not scope to a distribution in CDK.',
      },
      ...['GetObject*', 'GetBucket*', 'List*', 'DeleteObject*', 'Abort*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::s3:${action}]`,
        reason: copy,
      })),
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-${region}/*]`,
        reason: copy,
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${hosting.bucketName.replace(
          /\$\{Token\[AWS\.(\w+)\.\d+\]\}/g,
          '<AWS::$1>',
        )}/*]`,
        reason: copy,
      },
      {
        id: 'AwsSolutions-L1',
        reason: "The BucketDeployment handler's runtime is chosen by aws-cdk-lib, which is kept current.",
      },
    );
    new CfnOutput(this, 'ConsoleUrl', { value: home });
  }
}
