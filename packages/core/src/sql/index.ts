// SQL that the server and the worker must write alike: `@tandem/core/sql`.
export { quoteIdent, quoteLiteral } from './quote.ts';
export { createSerialQueue } from './serial-queue.ts';
export { isoTimestamp, OID, parseInt8, postgresTextParsers } from './value-parsers.ts';
export {
  CAPTURE_TRIGGER,
  CAPTURE_TRIGGER_NAMES,
  dropTriggersSql,
  installTriggersSql,
  raiseWriteOutsideActionSql,
  refuseTruncateFunctionSql,
  TRUNCATE_TRIGGER,
  WRITE_OUTSIDE_ACTION_SQLSTATE,
  WRITE_PATH,
  writeOutsideActionMessage,
} from './capture.ts';
