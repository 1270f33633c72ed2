/**
 * Loaded before the application with `node --import tsx --import ./services/shared/telemetry/register.ts
 * <entry>` (in the image, compiled: `node --import ./services/shared/telemetry/register.js <entry>.js`):
 * starts the OpenTelemetry SDK when the standard `OTEL_*` variables configure an exporter, and does
 * nothing otherwise. It must run before fastify and pg are loaded so that they are
 * instrumented, hence a separate `--import` rather than an import in the entry file.
 */
import { readFileSync } from 'node:fs';
import { setTelemetryHandle } from './shutdown-telemetry.js';
import { startTelemetry } from './start-telemetry.js';

const version = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string }
).version;

const handle = startTelemetry(process.env, { entry: process.argv[1], version });
if (handle) {
  setTelemetryHandle(handle);
  // A process that ends by itself (a CLI) flushes; servers call shutdownTelemetry() on SIGTERM.
  process.once('beforeExit', () => void handle.shutdown());
}
