import { shutdownTelemetry } from '../telemetry/index.js';

/**
 * Runs a service until SIGTERM or SIGINT, then closes it with grace (in-flight requests finish,
 * pending audit events are flushed). A start-up failure prints one clear line and exits 1.
 */
export async function runUntilSignal(
  name: string,
  start: () => Promise<{ close(): Promise<void> }>,
): Promise<void> {
  let service: { close(): Promise<void> };
  try {
    service = await start();
  } catch (error) {
    process.stderr.write(
      `${name}: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${name}: ${signal} received, shutting down\n`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    service
      .close()
      // Spans and metrics still buffered would be lost on exit.
      .then(() => shutdownTelemetry())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`${name}: error while shutting down: ${String(error)}\n`);
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
