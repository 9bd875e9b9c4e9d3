import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import {
  cashfreeClientFactory,
  paymentDetailsCipher,
  payoutPolicy,
  tableNames,
} from '../../shared/config/app-config';
import { logger } from '../../shared/logger';
import type { WorkflowDeps } from '../../shared/payouts/workflow-tasks';
import { workflowStateSchema } from '../../shared/payouts/workflow-state';
import type { WorkflowState } from '../../shared/payouts/workflow-state';
import { DynamoDirectoryRepository } from '../../shared/repositories/directory-repository';
import { documentClient } from '../../shared/repositories/dynamodb';
import { DynamoPayoutRepository } from '../../shared/repositories/payout-repository';

export class InvalidWorkflowInputError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'InvalidWorkflowInputError';
  }
}

/**
 * The shared shape of the three workflow task functions: the state is parsed with zod on the way in
 * (no `event: any` from Step Functions), dependencies are built once per container.
 */
export function workflowTask(task: (deps: WorkflowDeps, state: WorkflowState) => Promise<WorkflowState>) {
  const cashfree = cashfreeClientFactory();
  const base = {
    payouts: new DynamoPayoutRepository(documentClient, tableNames.payouts()),
    directory: new DynamoDirectoryRepository(documentClient, tableNames.directory(), paymentDetailsCipher),
    policy: payoutPolicy(),
    now: () => new Date(),
  };
  return middy<unknown, WorkflowState>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => {
      const parsed = workflowStateSchema.safeParse(event);
      if (!parsed.success)
        throw new InvalidWorkflowInputError(`Invalid workflow state: ${parsed.error.message}`);
      logger.appendKeys({ payout_id: parsed.data.payoutId, run: parsed.data.run });
      return task({ ...base, cashfree: await cashfree() }, parsed.data);
    });
}
