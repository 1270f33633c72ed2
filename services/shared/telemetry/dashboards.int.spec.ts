import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { AuditEvent } from '../event-store/index.js';
import { createEventStore } from '../event-store/index.js';
import { sampleAllowed, sampleDenied } from '../testing/sample-events.js';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.js';
import { metricNames, telemetryAttributes } from './attributes.js';

const observability = resolve('observability');
const dashboardsDir = join(observability, 'grafana/dashboards');
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's data link placeholder, not a template
const grafanaValue = '${__value.raw}';

interface Target {
  refId: string;
  datasource?: { uid?: string };
  rawSql?: string;
  expr?: string;
  legendFormat?: string;
}
interface Panel {
  title: string;
  datasource?: { uid?: string };
  targets?: Target[];
  panels?: Panel[];
  fieldConfig?: { overrides?: { properties?: { id: string; value?: unknown }[] }[] };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function dashboards(): { file: string; panels: Panel[] }[] {
  return readdirSync(dashboardsDir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => {
      const json = JSON.parse(readFileSync(join(dashboardsDir, name), 'utf8')) as { panels: Panel[] };
      const flat = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...flat(p.panels ?? [])]);
      return { file: name, panels: flat(json.panels) };
    });
}

function targetsOf(predicate: (target: Target) => boolean): { where: string; target: Target }[] {
  return dashboards().flatMap(({ file, panels }) =>
    panels.flatMap((panel) =>
      (panel.targets ?? []).filter(predicate).map((target) => ({ where: `${file}: ${panel.title}`, target })),
    ),
  );
}

/**
 * Grafana's Postgres macros as plain SQL (the same expansions Grafana makes, over a fixed wide
 * range). Anything else starting with `$` is refused, so a new macro has to be added here first.
 */
function expandMacros(sql: string): string {
  const expanded = sql
    .replace(
      /\$__timeGroupAlias\(\s*([a-z_]+)\s*,\s*\$__interval\s*\)/g,
      (_, column: string) => `floor(extract(epoch from ${column}) / 60) * 60 AS "time"`,
    )
    .replace(
      /\$__timeFilter\(\s*([a-z_]+)\s*\)/g,
      (_, column: string) => `${column} BETWEEN now() - interval '7 days' AND now() + interval '1 hour'`,
    );
  const leftover = /\$[\w{]+/.exec(expanded);
  if (leftover) throw new Error(`unsupported Grafana macro or variable ${leftover[0]}`);
  return expanded;
}

function deepMerge(base: unknown, overlay: unknown): unknown {
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return overlay;
  if (typeof overlay !== 'object' || overlay === null || Array.isArray(overlay)) return overlay;
  const merged: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(overlay)) merged[key] = deepMerge(merged[key], value);
  return merged;
}

describe('observability files', () => {
  it('parses every YAML and JSON file', () => {
    const files = filesUnder(observability).filter((file) => /\.(ya?ml|json)$/.test(file));
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(
        () => (file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)),
        relative('.', file),
      ).not.toThrow();
    }
  });

  it('wires every collector pipeline to defined components, memory_limiter first and batch last', () => {
    const base = parseYaml(readFileSync(join(observability, 'otel-collector/config.yaml'), 'utf8'));
    const local = parseYaml(readFileSync(join(observability, 'otel-collector/local.yaml'), 'utf8'));
    for (const config of [base, deepMerge(base, local)] as Record<string, Record<string, unknown>>[]) {
      const service = config.service as {
        extensions: string[];
        pipelines: Record<string, Record<'receivers' | 'processors' | 'exporters', string[]>>;
      };
      for (const extension of service.extensions) expect(config.extensions).toHaveProperty([extension]);
      for (const [name, pipeline] of Object.entries(service.pipelines)) {
        for (const kind of ['receivers', 'processors', 'exporters'] as const) {
          expect(pipeline[kind]?.length, `${name}.${kind}`).toBeGreaterThan(0);
          for (const component of pipeline[kind])
            expect(config[kind], `${name}: ${component}`).toHaveProperty([component]);
        }
        expect(pipeline.processors[0]).toBe('memory_limiter');
        expect(pipeline.processors.at(-1)).toBe('batch');
      }
    }
    const pipelines = (base.service as { pipelines: Record<string, { exporters: string[] }> }).pipelines;
    expect(pipelines.traces?.exporters).toEqual(expect.arrayContaining(['googlecloud', 'otlp/tempo']));
    expect(pipelines.metrics?.exporters).toEqual(expect.arrayContaining(['prometheus']));
  });

  it('mounts only files that exist into the compose services', () => {
    const compose = parseYaml(readFileSync(join(observability, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { volumes?: string[] }>;
    };
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['otel-collector', 'tempo', 'prometheus', 'grafana']),
    );
    for (const service of Object.values(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('./'))
          expect(() => statSync(join(observability, source)), source).not.toThrow();
      }
    }
  });

  it('uses only provisioned datasources in panels, targets and trace links', () => {
    const provisioned = parseYaml(
      readFileSync(join(observability, 'grafana/provisioning/datasources/datasources.yaml'), 'utf8'),
    ) as { datasources: { uid: string }[] };
    const uids = new Set(provisioned.datasources.map((ds) => ds.uid));
    expect(uids).toEqual(new Set(['audit-postgres', 'tempo', 'prometheus']));
    for (const { file, panels } of dashboards()) {
      for (const panel of panels) {
        const used = [panel.datasource?.uid, ...(panel.targets ?? []).map((t) => t.datasource?.uid)];
        for (const uid of used) if (uid !== undefined) expect(uids, `${file}: ${panel.title}`).toContain(uid);
        for (const override of panel.fieldConfig?.overrides ?? []) {
          for (const property of override.properties ?? []) {
            if (property.id !== 'links') continue;
            for (const link of property.value as { internal?: { datasourceUid: string } }[]) {
              if (link.internal) expect(uids).toContain(link.internal.datasourceUid);
            }
          }
        }
      }
    }
  });

  it('links each recent denial to its trace in Tempo and Cloud Trace', () => {
    const recent = dashboards()
      .flatMap(({ panels }) => panels)
      .find((panel) => panel.title === 'Recent denials');
    const links = recent?.fieldConfig?.overrides
      ?.flatMap((o) => o.properties ?? [])
      .filter((p) => p.id === 'links')
      .flatMap(
        (p) => p.value as { url: string; internal?: { datasourceUid: string; query: { query: string } } }[],
      );
    expect(links?.find((l) => l.internal)?.internal).toMatchObject({
      datasourceUid: 'tempo',
      query: { query: grafanaValue },
    });
    expect(links?.find((l) => l.url.startsWith('https://console.cloud.google.com/traces'))?.url).toContain(
      `tid=${grafanaValue}`,
    );
  });
});

describe('Prometheus panels', () => {
  // The Prometheus names the collector gives the services' metrics (unit suffix, `_total` on counters).
  const histogram = (base: string) => [`${base}_bucket`, `${base}_sum`, `${base}_count`];
  const promName = (name: string) => name.replaceAll('.', '_');
  const knownMetrics = new Set([
    `${promName(metricNames.decisions)}_total`,
    `${promName(metricNames.tokensIssued)}_total`,
    ...histogram(`${promName(metricNames.requestDuration)}_seconds`),
    ...histogram(`${promName(metricNames.auditCommitDuration)}_seconds`),
    ...histogram(promName(metricNames.auditCommitBatchSize)),
    `${promName(metricNames.revocationFeedLag)}_seconds`,
  ]);
  const knownLabels = new Set([
    ...Object.values(telemetryAttributes).map(promName),
    'le',
    'job',
    'instance',
    'service_name',
    'service_namespace',
    'service_instance_id',
  ]);
  const keywords = new Set([
    'by',
    'without',
    'on',
    'ignoring',
    'group_left',
    'group_right',
    'bool',
    'and',
    'or',
  ]);

  it('name only metrics and labels the services emit', () => {
    const targets = targetsOf((target) => target.expr !== undefined);
    expect(targets.length).toBeGreaterThan(0);
    for (const { where, target } of targets) {
      let expr = target.expr!;
      const labels: string[] = [];
      expr = expr.replace(/\{([^}]*)\}/g, (_, matchers: string) => {
        for (const m of matchers.matchAll(/([a-zA-Z_]\w*)\s*(=~|!~|!=|=)/g)) labels.push(m[1]!);
        return '';
      });
      expr = expr.replace(/\b(by|without)\s*\(([^)]*)\)/g, (_, _kw: string, list: string) => {
        labels.push(
          ...list
            .split(',')
            .map((l) => l.trim())
            .filter(Boolean),
        );
        return '';
      });
      expr = expr.replace(/\[[^\]]*\]/g, '');
      for (const legend of (target.legendFormat ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g))
        labels.push(legend[1]!);
      const metrics = [...expr.matchAll(/([a-zA-Z_:][\w:]*)(\s*\()?/g)]
        .filter((m) => m[2] === undefined && !keywords.has(m[1]!))
        .map((m) => m[1]!);
      expect(metrics.length, where).toBeGreaterThan(0);
      for (const metric of metrics) expect(knownMetrics, `${where}: ${metric}`).toContain(metric);
      for (const label of labels) expect(knownLabels, `${where}: label ${label}`).toContain(label);
    }
  });
});

describe('SQL panels against a migrated database, as grafana_reader', () => {
  let database: TestDatabase;
  let reader: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    const owner = await database.open(null);
    await owner.execute(readFileSync(join(observability, 'postgres/grafana-reader.sql'), 'utf8'));
    const writer = await database.open();
    const store = createEventStore({ database: writer });
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const events: AuditEvent[] = [
      sampleAllowed(),
      sampleDenied({ trace: { traceId, spanId: 'b7ad6b7169203331' } }),
      {
        type: 'tools.listed',
        service: 'mcp-server',
        instanceId: 'i',
        actor: { subject: 'alice@example.com' },
        data: { visible: ['get_public_info'], hidden: ['get_confidential_info'] },
      },
      {
        type: 'auth.rejected',
        service: 'mcp-server',
        instanceId: 'i',
        decision: 'deny',
        reasonCode: 'ERR_TOKEN_MALFORMED',
        data: { count: 3, detail: 'folded' },
      },
      {
        type: 'token.issued',
        service: 'token-service',
        instanceId: 't',
        actor: { subject: 'alice@example.com', clientId: 'c', tokenId: 'jti-9' },
        decision: 'allow',
        data: {
          audience: 'http://x/mcp',
          expiresAt: new Date().toISOString(),
          issuedVia: 'test',
          scopes: [],
        },
      },
      {
        type: 'token.revoked',
        service: 'token-service',
        instanceId: 't',
        actor: { subject: 'security@example.com' },
        data: { revokedTokenId: 'jti-9', reason: 'test' },
      },
    ];
    await store.append(events);
    await store.close();
    const url = new URL(database.url);
    url.username = 'grafana_reader';
    url.password = 'grafana-reader-dev';
    reader = new pg.Client({ connectionString: url.toString() });
    await reader.connect();
  });

  afterAll(async () => {
    await reader?.end();
    await database?.drop();
  });

  it('cannot write: the login is read-only and holds no INSERT right', async () => {
    const { rows } = await reader.query<{ default_transaction_read_only: string }>(
      'SHOW default_transaction_read_only',
    );
    expect(rows[0]?.default_transaction_read_only).toBe('on');
    await expect(
      reader.query("INSERT INTO audit_events (event_id) VALUES ('00000000-0000-7000-8000-000000000000')"),
    ).rejects.toThrow(/read-only|permission denied/);
  });

  const sqlTargets = targetsOf((target) => target.rawSql !== undefined);

  it('has SQL panels to check', () => {
    expect(sqlTargets.length).toBeGreaterThanOrEqual(5);
  });

  it.each(sqlTargets.map(({ where, target }) => [where, target.refId, target.rawSql!] as const))(
    '%s (%s) runs and finds the sample events',
    async (_where, _refId, rawSql) => {
      const { rows } = await reader.query(expandMacros(rawSql));
      expect(rows.length).toBeGreaterThan(0);
    },
  );

  it('shows the trace id of a denial in Recent denials', async () => {
    const recent = targetsOf((t) => t.rawSql !== undefined).find(({ where }) =>
      where.endsWith('Recent denials'),
    );
    const { rows } = await reader.query<{ trace_id: string; reason: string }>(
      expandMacros(recent!.target.rawSql!),
    );
    expect(rows[0]).toMatchObject({
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      reason: 'ERR_SCOPE_INSUFFICIENT',
    });
  });
});
