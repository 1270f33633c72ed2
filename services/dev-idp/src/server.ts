/**
 * `node --import tsx services/dev-idp/src/server.ts`: the dev IdP on its own, configured from the
 * environment (see `loadDevIdpConfig`). Never started in production: it refuses APP_ENV=production.
 */
import { pathToFileURL } from 'node:url';
import { loadDevIdpConfig } from './config.js';
import { type RunningDevIdp, startDevIdp } from './start-dev-idp.js';

export { type RunningDevIdp, type StartDevIdpOptions, startDevIdp } from './start-dev-idp.js';

/** Starts the dev IdP from environment variables; the all-in-one `npm start` can call this too. */
export async function startDevIdpFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): Promise<RunningDevIdp> {
  const config = loadDevIdpConfig(env);
  const running = await startDevIdp(config);
  const users = running.idp.users.map((user) => user.email).join(', ');
  process.stderr.write(`dev-idp: issuer ${running.url} (APP_ENV=${config.appEnv}); users: ${users}\n`);
  return running;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { runUntilSignal } = await import('../../shared/runtime/run-until-signal.js');
  await runUntilSignal('dev-idp', () => startDevIdpFromEnv(process.env));
}
