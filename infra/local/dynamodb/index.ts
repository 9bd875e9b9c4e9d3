export {
  checkJava,
  DynamoDbLocalStartError,
  freePort,
  JavaMissingError,
  startDynamoDbLocal,
} from './launcher';
export type { DynamoDbLocal, DynamoDbLocalOptions } from './launcher';
export { createTablesFromTemplate, TableSchemaMismatchError } from './tables';
export type { CloudFormationTemplate } from './tables';
export { compileFilterCriteria, compilePattern, FilterPatternError } from './event-filter';
export { fileDeadLetterSink, startStreamPoller, toLambdaRecord } from './stream-poller';
export type { FailureRecord, StreamPoller, StreamPollerOptions } from './stream-poller';
