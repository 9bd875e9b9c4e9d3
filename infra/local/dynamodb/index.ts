export {
  checkJava,
  DynamoDbLocalPortInUseError,
  DynamoDbLocalStartError,
  freePort,
  javaCommand,
  JavaMissingError,
  startDynamoDbLocal,
} from './launcher';
export type { DynamoDbLocal, DynamoDbLocalOptions } from './launcher';
export { createTablesFromTemplate, TableSchemaMismatchError, TableTemplateError } from './tables';
export type { CloudFormationTemplate, CreatedTables, CreateTablesOptions } from './tables';
export { compileFilterCriteria, compilePattern, FilterPatternError } from './event-filter';
export type { EventMatcher } from './event-filter';
export { startStreamPoller, toLambdaRecord } from './stream-poller';
export type { FailureRecord, StreamPoller, StreamPollerOptions } from './stream-poller';
export { CheckpointFileError } from './checkpoints';
export { DeadLetterFileError, fileDeadLetterSink } from './dead-letter';
export type { DeadLetterSink } from './dead-letter';
