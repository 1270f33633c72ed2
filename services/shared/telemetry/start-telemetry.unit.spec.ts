import { afterEach, describe, expect, it, vi } from 'vitest';
import { DiscardingSpanProcessor } from './discard-spans.js';
import {
  defaultServiceName,
  spanProcessorsFromEnv,
  startTelemetry,
  telemetryConfigured,
} from './start-telemetry.js';

describe('telemetryConfigured', () => {
  it('is off without any OTEL_* exporter setting, so local runs and tests export nothing', () => {
    expect(telemetryConfigured({})).toBe(false);
    expect(telemetryConfigured({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_ENDPOINT: ' ' })).toBe(false);
    expect(startTelemetry({})).toBeUndefined();
  });

  it('is on with an OTLP endpoint or an explicit exporter', () => {
    expect(telemetryConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(telemetryConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })).toBe(true);
    expect(telemetryConfigured({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
  });

  it('stays off when OTEL_SDK_DISABLED is true, whatever else is set', () => {
    expect(
      telemetryConfigured({
        OTEL_SDK_DISABLED: 'TRUE',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      }),
    ).toBe(false);
  });
});

describe('defaultServiceName', () => {
  it('names a single-role process after its folder and npm start after the platform', () => {
    expect(defaultServiceName('/app/services/mcp-server/src/server.ts')).toBe('mcp-server');
    expect(defaultServiceName('services/token-service/src/server.ts')).toBe('token-service');
    expect(defaultServiceName('/app/services/start.ts')).toBe('mcp-authz-platform');
    expect(defaultServiceName(undefined)).toBe('mcp-authz-platform');
  });
});

describe('spanProcessorsFromEnv', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('builds what OTEL_TRACES_EXPORTER asks for, each behind the discarding filter', async () => {
    vi.stubEnv('OTEL_TRACES_EXPORTER', 'console');
    const [processor, ...rest] = spanProcessorsFromEnv();
    expect(rest).toEqual([]);
    expect(processor).toBeInstanceOf(DiscardingSpanProcessor);
    await processor?.shutdown();
  });

  it('builds nothing for OTEL_TRACES_EXPORTER=none, so no tracer provider is registered', () => {
    vi.stubEnv('OTEL_TRACES_EXPORTER', 'none');
    expect(spanProcessorsFromEnv()).toEqual([]);
  });
});
