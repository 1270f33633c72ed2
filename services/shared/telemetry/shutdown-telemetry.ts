import type { TelemetryHandle } from './start-telemetry.js';

let current: TelemetryHandle | undefined;

/** Remembers the SDK `register.ts` started, for {@link shutdownTelemetry}. */
export function setTelemetryHandle(handle: TelemetryHandle | undefined): void {
  current = handle;
}

/**
 * Flushes buffered spans and metrics and stops the SDK, if one was started; call it after the servers
 * closed and before `process.exit`, or the last few seconds of telemetry are lost. Safe to call
 * more than once and without an SDK.
 */
export async function shutdownTelemetry(): Promise<void> {
  const handle = current;
  current = undefined;
  await handle?.shutdown();
}
