import { z } from 'zod';

/**
 * The document the payout state machine passes from task to task. Every Task returns the whole state
 * (no ResultPath), Choice states route on `step`, and Wait states read `waitSeconds`.
 */
export const workflowStepSchema = z.enum([
  'start',
  'validated',
  'submitted',
  'pending',
  'rate_limited',
  'retry',
  'resubmit',
  'completed',
]);

export const workflowStateSchema = z.object({
  payoutId: z.string().min(1),
  run: z.number().int().min(1),
  step: workflowStepSchema,
  checks: z.number().int().min(0),
  waitSeconds: z.number().int().min(0),
});

export type WorkflowState = z.infer<typeof workflowStateSchema>;
export type WorkflowStep = z.infer<typeof workflowStepSchema>;
