import { submitTransfer } from '../../shared/payouts/workflow-tasks';
import { workflowTask } from './task';

/** State machine task SubmitTransfer. */
export const handler = workflowTask(submitTransfer);
