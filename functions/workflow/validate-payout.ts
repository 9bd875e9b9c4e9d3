import { validatePayout } from '../../shared/payouts/workflow-tasks';
import { workflowTask } from './task';

/** State machine task ValidatePayout. */
export const handler = workflowTask(validatePayout);
