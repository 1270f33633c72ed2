export { DEFAULT_REDIRECT_URIS, DEV_CLIENT_SECRET, loadDevIdpConfig } from './config.js';
export { createDevIdp, type DevIdp, type DevIdpClient, type DevIdpOptions } from './dev-idp.js';
export { DevIdpError, type DevIdpErrorCode, devIdpErrorCodes } from './dev-idp-error.js';
export { DEV_USERS, type DevUser, devUserClaims } from './dev-users.js';
export { type RunningDevIdp, type StartDevIdpOptions, startDevIdp } from './start-dev-idp.js';
