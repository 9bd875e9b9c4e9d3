import { RemovalPolicy } from 'aws-cdk-lib';
import type { IAspect } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';
import type { StageConfig } from './stage-config';

/**
 * Every CloudWatch alarm in the app notifies the alarm topic when it fires and when it clears, whoever defined
 * it: an alarm needs no wiring of its own to reach the operators (tests/infra fails on one that does not).
 */
export class AlarmNotifications implements IAspect {
  private readonly action: SnsAction;

  public constructor(topic: sns.ITopic) {
    this.action = new SnsAction(topic);
  }

  public visit(node: IConstruct): void {
    if (node instanceof cloudwatch.AlarmBase) {
      node.addAlarmAction(this.action);
      node.addOkAction(this.action);
    }
  }
}

/**
 * Every log group keeps the stage's retention (functions, state machine, API access logs, and any added
 * later), and is kept when its stack is deleted where the stage protects its data.
 */
export class StageLogDefaults implements IAspect {
  public constructor(private readonly config: StageConfig) {}

  public visit(node: IConstruct): void {
    if (node instanceof logs.CfnLogGroup) {
      node.retentionInDays = this.config.logRetention;
      node.applyRemovalPolicy(this.config.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);
    }
  }
}
