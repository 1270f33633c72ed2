import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import {
  chartDir,
  containers,
  devValues,
  dockerfile,
  lookup,
  mergeValues,
  read,
  root,
  templates,
  values,
  walk,
} from './delivery-fixture.js';
import { includedNames, valuesPaths } from './delivery-helm-text.js';
import { type JsonSchema, validateJsonSchemaSubset } from './delivery-json-schema.js';
import { environmentReads, environmentRequirements, importClosure } from './delivery-source-graph.js';

/**
 * Offline checks of the delivery artefacts (helm/, terraform/, argocd/, .github/) against the code
 * they package, so a broken manifest cannot land; the image has its own file
 * (`delivery-image.int.spec.ts`). What needs a cluster, helm, Docker or provider downloads runs in
 * GitHub Actions instead (deploy/README.md, "What CI checks").
 */

describe('delivery: manifests parse', () => {
  const yamlFiles = [
    ...['helm', 'argocd', '.github', 'observability'].flatMap(walk),
    ...walk('terraform').filter((path) => /\.ya?ml$/.test(path)),
  ].filter((path) => /\.ya?ml$/.test(path) && !path.startsWith('helm/mcp-authz/templates/'));
  const jsonFiles = ['helm', 'argocd', '.github', 'observability']
    .flatMap(walk)
    .filter((p) => p.endsWith('.json'));

  it('finds the chart, Argo CD and workflow files to check', () => {
    expect(yamlFiles).toEqual(
      expect.arrayContaining([
        'helm/mcp-authz/Chart.yaml',
        'helm/mcp-authz/values.yaml',
        'helm/mcp-authz/values-dev.yaml',
        'argocd/application.yaml',
        'argocd/project.yaml',
        '.github/workflows/ci.yml',
        '.github/workflows/release.yml',
      ]),
    );
    expect(jsonFiles).toContain('helm/mcp-authz/values.schema.json');
  });

  it('parses every YAML file (non-template) without errors or warnings', () => {
    const problems = yamlFiles.flatMap((path) =>
      parseAllDocuments(read(path)).flatMap((doc) =>
        [...doc.errors, ...doc.warnings].map((error) => `${path}: ${error.message}`),
      ),
    );
    expect(problems).toEqual([]);
  });

  it('parses every JSON file', () => {
    for (const path of jsonFiles) expect(() => JSON.parse(read(path)), path).not.toThrow();
  });

  it('keeps template actions balanced and every include defined', () => {
    for (const [name, text] of templates.files) {
      expect(text.split('{{').length, `${name}: unbalanced {{ }}`).toBe(text.split('}}').length);
      for (const include of includedNames(text)) {
        expect(templates.defines.has(include), `${name}: include "${include}" has no define`).toBe(true);
      }
    }
  });

  it('refers only to values that exist in values.yaml', () => {
    const missing = [...templates.files].flatMap(([name, text]) =>
      valuesPaths(text)
        .filter((path) => lookup(values, path) === undefined)
        .map((path) => `${name}: .Values.${path}`),
    );
    expect(missing).toEqual([]);
  });
});

describe('delivery: terraform', () => {
  it('is formatted (terraform fmt -check -recursive terraform)', (context) => {
    const run = spawnSync('terraform', ['fmt', '-check', '-recursive', 'terraform'], {
      cwd: root,
      encoding: 'utf8',
    });
    if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
      context.skip('terraform is not installed on this machine (CI runs it)');
    }
    expect(run.status, `files needing terraform fmt:\n${run.stdout}${run.stderr}`).toBe(0);
  });

  it('describes and validates its variables', () => {
    const text = read('terraform/variables.tf');
    const blocks = [...text.matchAll(/^variable "([^"]+)" \{([\s\S]*?)^\}/gm)];
    expect(blocks.length).toBeGreaterThan(10);
    for (const [, name, body] of blocks) expect(body, `variable ${name}`).toMatch(/^\s+description\s+=/m);
    expect(blocks.filter(([, , body]) => body!.includes('validation {')).length).toBeGreaterThan(10);
  });

  it('names the Kubernetes service accounts Workload Identity trusts as the chart does', () => {
    const iam = read('terraform/iam.tf');
    for (const component of ['mcp-server', 'token-service', 'migrate', 'secrets']) {
      expect(iam).toContain(`ksa        = "\${local.ksa_prefix}-${component}"`);
    }
    const fullname = templates.defines.get('mcp-authz.fullname') ?? '';
    expect(fullname, 'chart and terraform derive the prefix the same way').toContain(
      'contains $name .Release.Name',
    );
  });

  it('matches the chart on namespaces, the collector address and the Cloud SQL range', () => {
    const addons = read('terraform/cluster-addons.tf');
    expect(addons).toMatch(/name\s+= "traefik"\s+namespace\s+= "traefik"/);
    expect(lookup(values, 'networkPolicy.ingressControllerNamespace')).toBe('traefik');
    expect(read('terraform/cluster-addons/otel-collector-values.yaml.tftpl')).toContain(
      'fullnameOverride: otel-collector',
    );
    expect(addons).toMatch(/namespace\s+= "observability"/);
    expect(lookup(values, 'telemetry.otlpEndpoint')).toBe(
      'http://otel-collector.observability.svc.cluster.local:4318',
    );
    const privateRange = /private_service = "([^"]+)"/.exec(read('terraform/variables.tf'))?.[1];
    expect(lookup(values, 'networkPolicy.cloudSqlCidr')).toBe(privateRange);
    const podRange = /\bpods\s+= "([^"]+)"/.exec(read('terraform/variables.tf'))?.[1];
    for (const role of ['mcpServer', 'tokenService'])
      expect(lookup(values, `${role}.trustProxy`), 'Traefik pods are in the pod range').toEqual([podRange]);
  });
});

describe('delivery: environment contract between the chart and the services', () => {
  // OTEL_* are read by the OpenTelemetry SDK itself, not by our config modules.
  const isOtel = (name: string) => name.startsWith('OTEL_');
  // What a container must set even where the code has a default, because the default is wrong in a
  // pod (why, per name).
  const requiredInCluster: Record<string, Record<string, string>> = {
    'services/mcp-server/src/server.ts': {
      APP_ENV: 'production checks (https resource URL, HMAC key, no embedded database)',
      HOST: 'the default 127.0.0.1 is unreachable from the kubelet and the Service',
      PORT: 'must match containerPort and the probes',
      DATABASE_URL: 'Cloud SQL through the proxy sidecar',
      POLICY_DIR: 'policies come from the ConfigMap mount',
      DOCUMENTS_DIR: 'documents come from the ConfigMap mount',
      MCP_RESOURCE_URL: 'the public https URL is the token audience',
      TOKEN_ISSUER_URL: 'the public issuer URL',
      JWKS_URL: 'keys are fetched inside the cluster, not through the public load balancer',
      TRUST_PROXY: 'the audit log records the client address the ingress forwards',
      DATA_DIR: 'the root filesystem is read-only; /tmp is the writable emptyDir',
    },
    'services/token-service/src/server.ts': {
      APP_ENV: 'production disables dev tokens',
      HOST: 'the default 127.0.0.1 is unreachable from the kubelet and the Service',
      PORT: 'must match containerPort and the probes',
      DATABASE_URL: 'Cloud SQL through the proxy sidecar',
      POLICY_DIR: 'policies come from the ConfigMap mount',
      TOKEN_ISSUER_URL: 'the public issuer URL (`iss`)',
      MCP_RESOURCE_URL: 'the public MCP URL (`aud`)',
      SIGNING_KEYS_DIR: 'the key set comes from the Secret mount',
      OIDC_ISSUER: 'the default is the local dev IdP',
      OIDC_CLIENT_ID: 'the default is the dev IdP client',
      TRUST_PROXY: 'the audit log records the client address the ingress forwards',
      DATA_DIR: 'the root filesystem is read-only; /tmp is the writable emptyDir',
    },
    'services/shared/event-store/migrate-command.ts': {
      MIGRATION_DATABASE_URL: 'migrations run as the owner user, not as an application user',
    },
    'deploy/db/grant-app-role.mjs': {
      MIGRATION_DATABASE_URL: 'the grant runs as the owner user',
      DATABASE_APP_USERS: 'who receives the application role',
    },
  };

  it('finds one container per role running our image, and the source of what it runs', () => {
    expect(containers.map((c) => `${c.file}:${c.name}:${c.script} <- ${c.entry}`)).toEqual([
      'deployment-mcp-server.yaml:{{ $component }}:services/mcp-server/src/server.js <- services/mcp-server/src/server.ts',
      'deployment-token-service.yaml:{{ $component }}:services/token-service/src/server.js <- services/token-service/src/server.ts',
      'migration-job.yaml:migrate:services/shared/event-store/migrate-command.js <- services/shared/event-store/migrate-command.ts',
      'migration-job.yaml:grant-app-role:deploy/db/grant-app-role.mjs <- deploy/db/grant-app-role.mjs',
    ]);
  });

  for (const container of containers) {
    const entry = container.entry!;
    describe(`${container.file} → ${entry}`, () => {
      const closure = importClosure(root, entry);
      const reads = environmentReads(root, closure);
      const codeRequires = environmentRequirements(root, closure);

      it('sets every variable the service requires at start-up', () => {
        const required = new Set([...codeRequires, ...Object.keys(requiredInCluster[entry] ?? {})]);
        const unset = [...required].filter((name) => !container.env.has(name));
        expect(unset, `required by ${entry} but not set by ${container.file}`).toEqual([]);
      });

      it('sets only variables the service reads', () => {
        const unread = [...container.env].filter((name) => !reads.has(name) && !isOtel(name));
        expect(unread, `set by ${container.file} but never read by ${entry} or its imports`).toEqual([]);
      });
    });
  }

  it('points POLICY_DIR, DOCUMENTS_DIR and SIGNING_KEYS_DIR at the mounted volumes', () => {
    for (const container of containers.filter((c) => c.file.startsWith('deployment-'))) {
      const mounts = new Map(
        [...container.text.matchAll(/- name: ([a-z-]+)\s+mountPath: (\S+)/g)].map((m) => [m[1]!, m[2]!]),
      );
      const envValue = (name: string) =>
        new RegExp(`- name: ${name}\\s+value: (\\S+)`).exec(container.text)?.[1]?.replace(/"/g, '');
      expect(envValue('POLICY_DIR'), container.file).toBe(mounts.get('policies'));
      if (container.env.has('DOCUMENTS_DIR')) expect(envValue('DOCUMENTS_DIR')).toBe(mounts.get('documents'));
      if (container.env.has('SIGNING_KEYS_DIR'))
        expect(envValue('SIGNING_KEYS_DIR')).toBe(mounts.get('signing-keys'));
      expect(mounts.get('tmp'), 'writable /tmp on a read-only root filesystem').toBe('/tmp');
      expect(envValue('DATA_DIR')?.startsWith('/tmp/'), 'DATA_DIR on the emptyDir').toBe(true);
    }
  });
});

describe('delivery: ConfigMap and Secret file references', () => {
  const chartCopies = [
    {
      source: 'policies',
      glob: /\.yaml$/,
      template: 'configmap-policies.yaml',
      pattern: 'files/policies/*.yaml',
    },
    {
      source: 'documents',
      glob: /\.md$/,
      template: 'configmap-documents.yaml',
      pattern: 'files/documents/*.md',
    },
  ];

  for (const copy of chartCopies) {
    it(`${copy.template} globs files that exist and equal ${copy.source}/ (deploy/sync-chart-files.sh)`, () => {
      expect(templates.files.get(copy.template)).toContain(`.Files.Glob "${copy.pattern}"`);
      const sourceFiles = readdirSync(join(root, copy.source))
        .filter((name) => copy.glob.test(name))
        .sort();
      const chartFiles = readdirSync(join(chartDir, 'files', copy.source))
        .filter((name) => copy.glob.test(name))
        .sort();
      expect(chartFiles.length).toBeGreaterThan(0);
      expect(chartFiles, 'run deploy/sync-chart-files.sh').toEqual(sourceFiles);
      for (const name of sourceFiles) {
        expect(
          read(`helm/mcp-authz/files/${copy.source}/${name}`),
          `${name}: run deploy/sync-chart-files.sh`,
        ).toBe(read(`${copy.source}/${name}`));
      }
    });
  }

  it('ships every document a tool reads', () => {
    const tools = read('services/mcp-server/src/tools/document-tools.ts');
    const files = [...tools.matchAll(/file: '([^']+)'/g)].map((m) => m[1]!);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(existsSync(join(chartDir, 'files/documents', file)), file).toBe(true);
  });

  it('mounts ConfigMaps and Secrets the chart renders, with the keys the services expect', () => {
    const rendered = new Set(
      [...templates.files.values()].flatMap((text) =>
        [...text.matchAll(/name: \{\{ include "mcp-authz\.componentName" \(list \. "([a-z-]+)"\) \}\}/g)].map(
          (m) => m[1]!,
        ),
      ),
    );
    for (const file of ['deployment-mcp-server.yaml', 'deployment-token-service.yaml']) {
      const text = templates.files.get(file)!;
      for (const match of text.matchAll(
        /(?:configMap:\s+name|secretName): \{\{ include "mcp-authz\.componentName" \(list \. "([a-z-]+)"\) \}\}/g,
      )) {
        expect(rendered.has(match[1]!), `${file} mounts ${match[1]} which no template renders`).toBe(true);
      }
    }
    const keyFile = /SIGNING_KEYS_FILE_NAME = '([^']+)'/.exec(
      read('services/shared/auth/signing-keys.ts'),
    )?.[1];
    expect(keyFile).toBeDefined();
    expect(templates.files.get('deployment-token-service.yaml')).toContain(`key: ${keyFile}`);
    expect(templates.files.get('externalsecrets.yaml')).toContain(`secretKey: ${keyFile}`);
    for (const [file, key] of [
      ['deployment-mcp-server.yaml', 'audit-hmac-key'],
      ['deployment-token-service.yaml', 'oidc-client-secret'],
      ['deployment-token-service.yaml', 'oauth-cookie-secret'],
    ] as const) {
      expect(templates.files.get(file)).toContain(`key: ${key}`);
      expect(templates.files.get('externalsecrets.yaml')).toContain(`secretKey: ${key}`);
    }
  });
});

describe('delivery: probes and ports', () => {
  it('probes /health (liveness, startup) and /ready (readiness), the routes the servers serve', () => {
    const healthRoute = read('services/shared/http/health-route.ts');
    expect(healthRoute).toContain("app.get('/health'");
    expect(healthRoute).toContain("app.get('/ready'");
    const probes = templates.defines.get('mcp-authz.probes') ?? '';
    expect(probes).toMatch(/livenessProbe:\s+httpGet:\s+path: \/health\s+port: http/);
    expect(probes).toMatch(/startupProbe:\s+httpGet:\s+path: \/health\s+port: http/);
    expect(probes).toMatch(/readinessProbe:\s+httpGet:\s+path: \/ready\s+port: http/);
    for (const file of ['deployment-mcp-server.yaml', 'deployment-token-service.yaml']) {
      const text = templates.files.get(file)!;
      expect(text).toContain('include "mcp-authz.probes"');
      expect(text).toMatch(/- name: http\s+containerPort: \{\{ \$values\.port \}\}/);
    }
  });

  it('uses the ports the servers default to (8080, 8081) everywhere', () => {
    const mcpDefault = /env\.port\('PORT', (\d+)\)/.exec(read('services/mcp-server/src/config.ts'))?.[1];
    const tokenDefault = /env\.port\('PORT', (\d+)\)/.exec(read('services/token-service/src/config.ts'))?.[1];
    expect([mcpDefault, tokenDefault]).toEqual(['8080', '8081']);
    expect(lookup(values, 'mcpServer.port')).toBe(8080);
    expect(lookup(values, 'tokenService.port')).toBe(8081);
    expect(dockerfile).toMatch(/^EXPOSE 8080 8081$/m);
    expect(templates.files.get('deployment-mcp-server.yaml')).toContain('.well-known/jwks.json');
  });
});

describe('delivery: values schema', () => {
  const schema = JSON.parse(read('helm/mcp-authz/values.schema.json')) as JsonSchema;
  const merged = mergeValues(values, devValues);
  const ajvValidate = loadAjv(schema);

  const verdict = (value: unknown): string[] => {
    const subset = validateJsonSchemaSubset(schema, value);
    if (ajvValidate) {
      const ok = ajvValidate(value);
      expect(ok, `ajv and the subset validator disagree: ${subset.join('; ')}`).toBe(subset.length === 0);
    }
    return subset;
  };

  it('accepts values.yaml', () => {
    expect(verdict(values)).toEqual([]);
  });

  it('accepts values.yaml merged with values-dev.yaml', () => {
    expect(verdict(merged)).toEqual([]);
  });

  it.each([
    ['a mutable image tag', 'image.tag', 'latest'],
    ['a port the probes and image do not use', 'mcpServer.port', 9090],
    ['a misspelt key', 'mcpServer.autoscalling', { enabled: true }],
    ['a hostname with a scheme', 'hosts.mcp', 'https://mcp.example.com'],
    ['a root-capable security context', 'containerSecurityContext.readOnlyRootFilesystem', false],
    ['a database user that is not an IAM user', 'database.users.mcpServer', 'postgres'],
    ['an unknown log level', 'app.logLevel', 'verbose'],
  ])('rejects %s', (_, path, bad) => {
    const broken = structuredClone(values);
    const keys = path.split('.');
    const parent = lookup(broken, keys.slice(0, -1).join('.')) as Record<string, unknown>;
    parent[keys.at(-1)!] = bad;
    expect(verdict(broken).length).toBeGreaterThan(0);
  });

  it('uses only regular expressions Go (RE2, Helm) can compile', () => {
    const patterns = [...JSON.stringify(schema).matchAll(/"pattern":"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
    expect(patterns.length).toBeGreaterThan(0);
    for (const pattern of patterns)
      expect(pattern, 'no lookaround or backreferences').not.toMatch(/\(\?[=!<]|\\\d/);
  });
});

describe('delivery: Argo CD and the release workflow', () => {
  const application = parseYaml(read('argocd/application.yaml')) as Record<string, unknown>;
  const project = parseYaml(read('argocd/project.yaml')) as Record<string, unknown>;

  it('syncs the chart automatically with prune and self-heal', () => {
    expect(lookup(application, 'spec.syncPolicy.automated')).toEqual({ prune: true, selfHeal: true });
    const path = lookup(application, 'spec.source.path') as string;
    expect(existsSync(join(root, path, 'Chart.yaml'))).toBe(true);
    for (const file of lookup(application, 'spec.source.helm.valueFiles') as string[]) {
      expect(existsSync(join(root, path, file)), file).toBe(true);
    }
    expect(lookup(application, 'spec.project')).toBe(lookup(project, 'metadata.name'));
    expect(lookup(application, 'spec.source.repoURL')).toBe(
      (lookup(project, 'spec.sourceRepos') as string[])[0],
    );
    const namespace = /variable "k8s_namespace"[\s\S]*?default\s+= "([^"]+)"/.exec(
      read('terraform/variables.tf'),
    )?.[1];
    expect(lookup(application, 'spec.destination.namespace')).toBe(namespace);
  });

  it('lets the project deploy every kind the chart renders', () => {
    const allowed = new Set(
      [
        ...(lookup(project, 'spec.namespaceResourceWhitelist') as { group: string; kind: string }[]),
        ...(lookup(project, 'spec.clusterResourceWhitelist') as { group: string; kind: string }[]),
      ].map(({ group, kind }) => `${group}/${kind}`),
    );
    const rendered = [...templates.files.values()].flatMap((text) =>
      [...text.matchAll(/^apiVersion: (\S+)\s*\nkind: (\S+)/gm)].map(([, apiVersion, kind]) => {
        const group = apiVersion!.includes('/') ? apiVersion!.split('/')[0]! : '';
        return `${group}/${kind}`;
      }),
    );
    expect(rendered.length).toBeGreaterThan(10);
    expect(rendered.filter((kind) => !allowed.has(kind))).toEqual([]);
  });

  it('hands the git SHA tag to Argo CD through values.yaml', () => {
    const release = read('.github/workflows/release.yml');
    expect(release).toContain('.image.tag = strenv(TAG)');
    expect(release).toContain('helm/mcp-authz/values.yaml');
    expect(typeof lookup(values, 'image.tag')).toBe('string');
    expect(release).toMatch(/workload_identity_provider: \$\{\{ vars\.GCP_WORKLOAD_IDENTITY_PROVIDER \}\}/);
  });

  it('runs the applicable MCP conformance scenarios with the pinned suite', () => {
    const script = read('deploy/ci/conformance.sh');
    expect(script).toContain('@modelcontextprotocol/conformance@0.1.13');
    expect(script).toContain('scenarios=(server-initialize ping tools-list dns-rebinding-protection)');
    expect(read('.github/workflows/ci.yml')).toContain('deploy/ci/conformance.sh');
  });
});

/**
 * ajv is not a dependency of this project (the MCP SDK brings it); use it when it resolves, else rely
 * on the subset validator alone and say so.
 */
function loadAjv(schema: JsonSchema): ((value: unknown) => boolean) | undefined {
  try {
    const require = createRequire(join(root, 'package.json'));
    const Ajv = require('ajv') as new (
      options: object,
    ) => { compile(schema: object): (value: unknown) => boolean };
    return new Ajv({ allErrors: true, strict: false }).compile(schema);
  } catch (error) {
    console.info(
      `delivery: ajv not resolvable (${(error as Error).message.split('\n')[0]}); values.schema.json is checked by the built-in subset validator only`,
    );
    return undefined;
  }
}
