import type { FastifyInstance } from 'fastify';
import type { AuditStore } from './open-audit-store.js';

/** A listening server role. */
export interface RunningService {
  readonly url: string;
  readonly app: FastifyInstance;
  /** Stops accepting requests, lets in-flight ones finish, flushes the audit log. */
  close(): Promise<void>;
}

/** How a server role is started: from an environment, optionally sharing an open audit store. */
export interface StartOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** An already open audit store (the all-in-one `npm start` shares one); else the role opens its own. */
  readonly audit?: AuditStore;
  readonly version?: string;
}
