import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppEnv } from '../../shared/config/index.js';
import { assertDevEnvironment } from './assert-dev-environment.js';
import { createDevIdp, type DevIdp, type DevIdpClient } from './dev-idp.js';
import { DevIdpError } from './dev-idp-error.js';
import type { DevUser } from './dev-users.js';
import { isLoopbackHost } from './loopback.js';

/** Options of {@link startDevIdp}. */
export interface StartDevIdpOptions {
  /** TCP port; 0 picks a free one (then leave `issuer` unset so it is derived from the real port). */
  readonly port: number;
  /** Address to listen on; defaults to `127.0.0.1`. */
  readonly host?: string;
  /** Issuer URL; defaults to `http://<host>:<port>` after listening. */
  readonly issuer?: string;
  readonly clients: readonly DevIdpClient[];
  readonly appEnv: AppEnv;
  readonly users?: readonly DevUser[];
  /** Permits listening on, and an issuer at, a non-loopback address. Off by default. */
  readonly allowNonLoopback?: boolean;
  readonly onServerError?: (error: Error) => void;
}

/** A listening dev IdP. */
export interface RunningDevIdp {
  /** The issuer URL (no trailing slash): what `OIDC_ISSUER` of the token service should be. */
  readonly url: string;
  readonly idp: DevIdp;
  /** Stops listening, lets in-flight requests finish, forgets all state. */
  close(): Promise<void>;
}

/**
 * Starts the dev IdP on an HTTP server (loopback only unless `allowNonLoopback`). Refuses to start
 * when `appEnv` is `production`, before binding any port.
 *
 * @example
 * const idp = await startDevIdp({ port: 0, appEnv: 'test', clients: [{ client_id: 'rp',
 *   client_secret: 's3cret', redirect_uris: ['http://127.0.0.1:9000/cb'] }] });
 * // idp.url is e.g. http://127.0.0.1:40123
 * await idp.close();
 */
export async function startDevIdp(options: StartDevIdpOptions): Promise<RunningDevIdp> {
  assertDevEnvironment(options.appEnv);
  const host = options.host ?? '127.0.0.1';
  const allowNonLoopback = options.allowNonLoopback === true;
  if (!allowNonLoopback && !isLoopbackHost(host)) {
    throw new DevIdpError('ERR_DEV_IDP_NOT_LOOPBACK', `listen address ${host}`);
  }
  const create = (issuer: string) =>
    createDevIdp({
      issuer,
      clients: options.clients,
      appEnv: options.appEnv,
      allowNonLoopback,
      ...(options.users && { users: options.users }),
      ...(options.onServerError && { onServerError: options.onServerError }),
    });

  // With a known issuer everything is validated before a port is bound; with port 0 the issuer is
  // known only once listening.
  let idp: DevIdp | undefined = options.issuer === undefined ? undefined : await create(options.issuer);
  let handler: RequestListener | undefined = idp?.handler;
  const server = createServer((req, res) => {
    if (handler) handler(req, res);
    else res.writeHead(503, { 'content-type': 'text/plain' }).end('dev IdP starting');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const close = async () => {
    await idp?.close();
    await new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeIdleConnections();
    });
  };
  try {
    if (idp === undefined) {
      const { port } = server.address() as AddressInfo;
      idp = await create(`http://${host.includes(':') ? `[${host}]` : host}:${port}`);
      handler = idp.handler;
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { url: idp.issuer, idp, close };
}
