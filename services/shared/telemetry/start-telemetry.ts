import { hostname } from 'node:os';
import { basename, dirname } from 'node:path';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
// The function NodeSDK itself uses to build the span processors from OTEL_TRACES_EXPORTER,
// OTEL_EXPORTER_OTLP_* and OTEL_BSP_*: not part of the package's index, so reached by its path (the
// version is pinned; start-telemetry.unit.spec.ts fails if it moves).
import { getSpanProcessorsFromEnv } from '@opentelemetry/sdk-node/build/src/utils.js';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { DiscardingSpanProcessor } from './discard-spans.js';

type Env = Readonly<Record<string, string | undefined>>;

/** A started SDK; `shutdown` flushes what is buffered (spans, metrics) and stops exporting. */
export interface TelemetryHandle {
  readonly serviceName: string;
  shutdown(): Promise<void>;
}

const probePaths = new Set(['/health', '/ready']);

/**
 * Whether telemetry export is configured: an OTLP endpoint or an explicit exporter choice in the
 * standard `OTEL_*` variables, and the SDK not disabled. Without any, nothing is started and the
 * OpenTelemetry API stays a no-op (local development, tests, CLIs).
 */
export function telemetryConfigured(env: Env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  return [
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
    'OTEL_TRACES_EXPORTER',
    'OTEL_METRICS_EXPORTER',
  ].some((name) => (env[name] ?? '').trim() !== '');
}

/**
 * The role a process runs, from its entry script: `services/<role>/src/server.ts` gives `<role>`;
 * `npm start` (all roles in one process) gives `mcp-authz-platform`. `OTEL_SERVICE_NAME` overrides.
 */
export function defaultServiceName(entry: string | undefined): string {
  if (entry && basename(entry).startsWith('server.')) return basename(dirname(dirname(entry)));
  return 'mcp-authz-platform';
}

/**
 * Starts the OpenTelemetry Node SDK from the standard environment variables, or does nothing (and
 * returns undefined) when {@link telemetryConfigured} is false. Traces and metrics go out over OTLP
 * (protocol from `OTEL_EXPORTER_OTLP_PROTOCOL`, default `http/protobuf`; `http/json` uses
 * `@opentelemetry/exporter-trace-otlp-http`), with http, undici, pg and fastify instrumented.
 * Must run before fastify and pg are loaded: `register.ts` calls it from `node --import`.
 *
 * Resource: `service.name` (see {@link defaultServiceName}), `service.namespace`,
 * `service.version`, `service.instance.id` (`INSTANCE_ID`, as in the audit events, else
 * host-pid); `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` take precedence.
 */
export function startTelemetry(
  env: Env,
  options: { entry?: string | undefined; version?: string | undefined } = {},
): TelemetryHandle | undefined {
  if (!telemetryConfigured(env)) return undefined;
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || defaultServiceName(options.entry);
  const resource = defaultResource().merge(
    resourceFromAttributes({
      'service.name': serviceName,
      'service.namespace': 'mcp-authz',
      'service.version': options.version ?? '0.1.0',
      'service.instance.id': env.INSTANCE_ID?.trim() || `${hostname()}-${process.pid}`,
    }),
  );
  const sdk = new NodeSDK({
    resource,
    spanProcessors: spanProcessorsFromEnv(),
    instrumentations: instrumentations(),
    // Logs stay on stdout (pino, with trace_id and span_id); only an explicit choice exports them.
    ...((env.OTEL_LOGS_EXPORTER ?? '').trim() === '' ? { logRecordProcessors: [] } : {}),
  });
  sdk.start();
  return { serviceName, shutdown: () => sdk.shutdown() };
}

/**
 * The span processors NodeSDK would build from `OTEL_TRACES_EXPORTER`, `OTEL_EXPORTER_OTLP_*` and
 * `OTEL_BSP_*` (read from `process.env`, as the rest of the SDK does), each behind the filter that
 * drops the spans of a request refused under a flood (discard-spans.ts). None for `none`.
 */
export function spanProcessorsFromEnv(): SpanProcessor[] {
  return getSpanProcessorsFromEnv(undefined).map((inner) => new DiscardingSpanProcessor(inner));
}

/**
 * `@fastify/otel` as the services use it: the `request` span only (it carries the route and, under
 * `inject` or without the http instrumentation, continues the caller's `traceparent`), without a
 * child span per lifecycle hook or for the handler. The services' own spans (`auth.verify_token`,
 * `mcp.request`, …) say what happens inside; with hook spans a traced `tools/call` had 15 spans,
 * and at 100 % sampling the server spent nearly three times the CPU per call that it does untraced.
 */
export function fastifyInstrumentation(
  options: { ignorePaths?: (route: { url: string }) => boolean } = {},
): Instrumentation {
  return new FastifyOtelInstrumentation({
    registerOnInitialization: true,
    instrumentHooks: false,
    instrumentHandler: false,
    ...options,
  }) as unknown as Instrumentation;
}

function instrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({
      // Probes would drown the traces; they are answered without touching anything traced.
      ignoreIncomingRequestHook: (request) => probePaths.has((request.url ?? '').split('?')[0] ?? ''),
    }),
    new UndiciInstrumentation(),
    // A query outside any request (revocation feed poll, health probe) is not worth a trace of its own;
    // a pool checkout is not worth a span (the query span shows the wait).
    new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
    fastifyInstrumentation({ ignorePaths: (route) => probePaths.has(route.url.split('?')[0] ?? '') }),
  ];
}
