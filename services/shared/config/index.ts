export { type AppEnv, type CommonConfig, type LogLevel, readCommonConfig } from './common-config.js';
export { ConfigError } from './config-error.js';
export { type EdgeConfig, readEdgeConfig } from './edge-config.js';
export { EnvReader, parseDurationSeconds } from './env-reader.js';
export { loadOrCreateSecret } from './local-secret.js';
