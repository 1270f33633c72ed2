import type { AppEnv } from '../../shared/config/index.js';
import { DevIdpError } from './dev-idp-error.js';

/**
 * Throws unless `appEnv` is `development` or `test`: a dev IdP signs in anyone who clicks a name,
 * so it must never run where production tokens could be minted from it.
 *
 * @throws DevIdpError `ERR_DEV_IDP_IN_PRODUCTION` for `production`, `ERR_DEV_IDP_APP_ENV` otherwise.
 */
export function assertDevEnvironment(appEnv: AppEnv | string): void {
  if (appEnv === 'production') throw new DevIdpError('ERR_DEV_IDP_IN_PRODUCTION');
  if (appEnv !== 'development' && appEnv !== 'test') {
    throw new DevIdpError('ERR_DEV_IDP_APP_ENV', `APP_ENV=${JSON.stringify(appEnv)}`);
  }
}
