export type {
  AppendReceipt,
  EventAppender,
  ReadCheckpoint,
  StoredEvent,
  StoreHealth,
} from './api.js';
export { appendEvents } from './append-events.js';
export { canonicalJson, cutText, storableText } from './canonical-json.js';
export { contentHash, type HashedEventFields, hashedFieldsOf } from './content-hash.js';
export { createEventStore, type EventStore, type EventStoreOptions } from './event-store.js';
export * from './events.js';
export { type CommitBatch, GroupCommitWriter, type GroupCommitWriterOptions } from './group-commit-writer.js';
export { type PreparedEvent, prepareEvent } from './prepare-event.js';
export { type EventQuery, queryEvents } from './query-events.js';
export {
  type EventPage,
  type EventPageFilter,
  eventPageQuery,
  isValidCheckpoint,
  readEventPage,
  sinceStartQuery,
} from './read-event-page.js';
export { type ReadAfterResult, readEventsAfter, startOfLog } from './read-events-after.js';
export { toStoredEvent } from './stored-event.js';
export { uuidV7 } from './uuid-v7.js';
export { type EventFilter, whereEventFilter } from './where-event-filter.js';
