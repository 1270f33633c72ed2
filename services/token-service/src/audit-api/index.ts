export { decodeCursor, encodeCursor } from './audit-cursor.js';
export { type AuditEventsRouteOptions, auditEventsRoute } from './audit-events-route.js';
export { type AuditQuery, auditQueryParameters, parseAuditQuery } from './audit-query.js';
export { auditReaderFor } from './audit-reader.js';
export { type PublicAuditEvent, toPublicEvent } from './public-event.js';
export { parseTimeBound, type TimeBoundResult } from './time-bound.js';
