export { startLocalStepFunctions } from './server';
export type { LocalStateMachine, LocalStepFunctionsOptions } from './server';
export { waitForExecution } from './wait';
