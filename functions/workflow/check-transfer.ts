import { checkTransfer } from '../../shared/payouts/workflow-tasks';
import { workflowTask } from './task';

/** State machine task CheckTransfer. */
export const handler = workflowTask(checkTransfer);
