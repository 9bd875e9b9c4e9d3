import { Lazy, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';

// The data actions of CDK's own grantReadData / grantReadWriteData, on the same resources minus the wildcard.
const READ_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:Query',
  'dynamodb:Scan',
];
const WRITE_ACTIONS = [
  'dynamodb:BatchWriteItem',
  'dynamodb:DeleteItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
];

/**
 * Data access to a table and to each of its global secondary indexes by name, where CDK's grants use
 * `<table>/index/*`. The index list is read when the template is synthesized, so an index added to the table
 * later is covered without touching the grants.
 */
export function grantTableData(
  grantee: iam.IGrantable,
  table: dynamodb.Table,
  access: 'read' | 'readWrite',
): void {
  const cfn = table.node.defaultChild as dynamodb.CfnTable;
  const indexArns = Lazy.list({
    produce: () => {
      const indexes = (Stack.of(table).resolve(cfn.globalSecondaryIndexes) ?? []) as { indexName: string }[];
      return indexes.map((index) => `${table.tableArn}/index/${index.indexName}`);
    },
  });
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: access === 'read' ? READ_ACTIONS : [...READ_ACTIONS, ...WRITE_ACTIONS],
      resources: [table.tableArn],
    }),
  );
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      // A Sid keeps the policy minimizer from merging this list, unknown until synthesis, into another.
      sid: `${table.node.id}Indexes${access === 'read' ? 'Read' : 'ReadWrite'}`,
      actions: access === 'read' ? READ_ACTIONS : [...READ_ACTIONS, ...WRITE_ACTIONS],
      resources: indexArns,
    }),
  );
}
