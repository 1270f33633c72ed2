import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import {
  type ChartTemplates,
  imageContainers,
  includedNames,
  readChartTemplates,
  valuesPaths,
} from './delivery-helm-text.js';
import { type JsonSchema, validateJsonSchemaSubset } from './delivery-json-schema.js';
import {
  dockerContextIncludes,
  dockerCopies,
  dockerStage,
  environmentReads,
  environmentRequirements,
  importClosure,
  landing,
  runtimePackages,
} from './delivery-source-graph.js';

/**
 * Offline checks of the delivery artefacts (Dockerfile, helm/, terraform/, argocd/, .github/) against
 * the code they package, so a broken manifest cannot land. What needs a cluster, helm, Docker or
 * provider downloads runs in GitHub Actions instead (deploy/README.md, "What CI checks").
 */

const root = resolve(import.meta.dirname, '../../..');
const chartDir = join(root, 'helm/mcp-authz');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');
const templates: ChartTemplates = readChartTemplates(chartDir);
const values = parseYaml(read('helm/mcp-authz/values.yaml')) as Record<string, unknown>;
const devValues = parseYaml(read('helm/mcp-authz/values-dev.yaml')) as Record<string, unknown>;
const dockerfile = read('Dockerfile');
const dockerignore = read('.dockerignore');

/** Every file under a directory, as repository-relative paths. */
function walk(dir: string): string[] {
  const absolute = join(root, dir);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(join(root, path)).isFile())
    .sort();
}

/** Helm's value merge: maps merge key by key, everything else is replaced. */
function mergeValues(base: unknown, override: unknown): unknown {
  if (!isMap(base) || !isMap(override)) return override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = mergeValues(base[key], value);
  return merged;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lookup(object: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (isMap(node) ? node[key] : undefined), object);
}

/**
 * The workload templates and, per container running our image, the script its command names (`script`,
 * as the image has it: compiled `.js`) and that script's source (`entry`), on which the import graph
 * and the environment reads are analysed.
 */
const workloadTemplates = [
  'deployment-mcp-server.yaml',
  'deployment-token-service.yaml',
  'migration-job.yaml',
];
const containers = workloadTemplates.flatMap((file) =>
  imageContainers(templates, templates.files.get(file) ?? '').map((container) => {
    const script = scriptOf(container.command);
    return {
      file,
      ...container,
      script,
      entry: script === undefined ? undefined : sourceOf(script),
      preloads: preloadsOf(container.command).map(sourceOf),
    };
  }),
);

function isScript(part: string): boolean {
  return /\.(js|mjs|ts)$/.test(part);
}

/** The script a `node` command runs: its last .js/.mjs/.ts argument that is not an `--import` value. */
function scriptOf(command: readonly string[]): string | undefined {
  return command.filter((part, i) => isScript(part) && command[i - 1] !== '--import').at(-1);
}

/** Files a `node` command preloads with `--import` (e.g. the OpenTelemetry registration), as named. */
function preloadsOf(command: readonly string[]): string[] {
  return command
    .filter((part, i) => command[i - 1] === '--import' && isScript(part))
    .map((part) => part.replace(/^\.\//, ''));
}

/**
 * The source of a file the image runs: `X.js` is what `npm run build` compiled from `X.ts` when that
 * file exists; anything else (a plain `.mjs`) is its own source.
 */
function sourceOf(path: string): string {
  const source = path.replace(/\.js$/, '.ts');
  return source !== path && existsSync(join(root, source)) ? source : path;
}

/** The Dockerfile's default command (the MCP server role). */
const dockerCmd = JSON.parse(/^CMD\s+(\[.*\])\s*$/m.exec(dockerfile)?.[1] ?? '[]') as string[];

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
    expect(lookup(values, 'mcpServer.trustProxy'), 'Traefik pods are in the pod range').toEqual([podRange]);
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

describe('delivery: image', () => {
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
  const buildConfig = JSON.parse(read('tsconfig.build.json')) as {
    extends?: string;
    compilerOptions?: { outDir?: string; rootDir?: string };
    files?: string[];
  };
  const buildScript = /^node (\S+\.m?js)$/.exec(scripts.build ?? '')?.[1];
  const buildStage = dockerStage(dockerfile, 'build');
  const runtimeStage = dockerStage(dockerfile, 'runtime');
  /** Every source file `npm run build` compiles: the import closure of tsconfig.build.json's `files`. */
  const compiled = new Set((buildConfig.files ?? []).flatMap((file) => importClosure(root, file)));
  const outDir = buildConfig.compilerOptions?.outDir ?? '';
  const rootDir = buildConfig.compilerOptions?.rootDir ?? '';
  /** Where the build writes a source file's JavaScript (relative to /app in the build stage). */
  const compiledPath = (source: string) => join(outDir, relative(rootDir, source)).replace(/\.ts$/, '.js');
  /** Where the runtime stage has a file of the build stage (relative to /app), if it copies it. */
  const inRuntime = (buildPath: string) =>
    dockerCopies(runtimeStage)
      .filter((copy) => copy.from === 'build')
      .map((copy) => landing(copy, buildPath))
      .find((path) => path !== undefined);
  /** Whether the build stage copies a context file to the same path under /app, before instruction `before`. */
  const inBuildStage = (file: string, before = buildStage.length) =>
    dockerCopies(buildStage).some(
      (copy) => copy.from === undefined && copy.index < before && landing(copy, file) === file,
    );
  /** Source files of every container command and of the image's default command (and their preloads). */
  const entrypoints = [
    ...new Set([
      ...containers.flatMap((c) => [c.entry!, ...c.preloads]),
      sourceOf(scriptOf(dockerCmd)!),
      ...preloadsOf(dockerCmd).map(sourceOf),
    ]),
  ];
  /** An npm script as the image runs it: compiled JavaScript, so no tsx loader and `.js` for `.ts`. */
  const compiledCommand = (script: string) =>
    script
      .split(/\s+/)
      .filter(
        (part, i, parts) =>
          !(part === '--import' && parts[i + 1] === 'tsx') &&
          !(part === 'tsx' && parts[i - 1] === '--import'),
      )
      .map((part) => part.replace(/\.ts$/, '.js'))
      .join(' ');

  it('runs the same commands as the npm scripts, compiled (no tsx, .js for .ts)', () => {
    const commands = [...containers.map((c) => c.command), dockerCmd];
    const expected = ['start:mcp-server', 'start:token-service', 'migrate'].map((script) => {
      expect(scripts[script], `npm run ${script}`).toBeDefined();
      return compiledCommand(scripts[script]!);
    });
    for (const command of expected) expect(commands.map((c) => c.join(' '))).toContain(command);
    // And every command that runs one of our TypeScript modules is one of those (grant-app-role.mjs is
    // plain JavaScript with no npm script).
    for (const command of commands.filter((c) => sourceOf(scriptOf(c) ?? '').endsWith('.ts'))) {
      expect(expected, 'a container command that is no npm script').toContain(command.join(' '));
    }
  });

  for (const entry of ['services/mcp-server/src/server.ts', 'services/token-service/src/server.ts']) {
    it(`builds ${entry} into the image with everything it imports`, () => {
      expect(entrypoints).toContain(entry);
    });
  }

  it('sends everything npm run build reads into the build context and the build stage, before it runs', () => {
    expect(buildScript, 'npm run build runs a node script').toBeDefined();
    const build = buildStage.findIndex((instruction) => /^RUN\s.*\bnpm run build\b/.test(instruction));
    expect(build, 'the build stage runs npm run build').toBeGreaterThan(-1);
    expect(compiled.size, 'tsconfig.build.json compiles the services').toBeGreaterThan(10);
    const inputs = [
      'package.json',
      'package-lock.json',
      'tsconfig.build.json',
      ...(buildConfig.extends ? [relative(root, join(root, buildConfig.extends))] : []),
      buildScript!,
      ...walk('migrations'),
      ...compiled,
    ];
    for (const file of inputs) {
      expect(dockerContextIncludes(dockerignore, file), `${file} is excluded by .dockerignore`).toBe(true);
      expect(inBuildStage(file, build), `${file} is not copied to /app/${file} before npm run build`).toBe(
        true,
      );
    }
    for (const needed of ['policies/v1.yaml', 'documents/public.md', 'deploy/db/grant-app-role.mjs']) {
      expect(dockerContextIncludes(dockerignore, needed), needed).toBe(true);
    }
    for (const kept of [
      'services/shared/testing/global-setup.ts',
      'services/mcp-server/src/server.int.spec.ts',
      'helm/mcp-authz/values.yaml',
      '.git/HEAD',
      'node_modules/tsx/package.json',
      'dist/services/mcp-server/src/server.js',
      'scripts/test.mjs',
      'load-test/bench.ts',
    ]) {
      expect(dockerContextIncludes(dockerignore, kept), `${kept} stays out of the image`).toBe(false);
    }
  });

  it('ships every entrypoint and every file it imports in the runtime stage, compiled by npm run build', () => {
    // The code reads package.json and migrations/ relative to its own file, so they sit beside the
    // compiled services, and package.json ("type": "module") makes Node load the .js files as ESM.
    const buildText = read(buildScript!);
    expect(buildText, `${buildScript} puts package.json in ${outDir}/`).toContain("'package.json'");
    expect(buildText, `${buildScript} puts migrations/ in ${outDir}/`).toContain("'migrations'");
    expect(inRuntime(join(outDir, 'package.json')), `${outDir}/ is copied into /app`).toBe('package.json');
    expect(inRuntime(join(outDir, 'migrations/0001_audit_events.sql'))).toBe(
      'migrations/0001_audit_events.sql',
    );
    const shipped = new Set<string>();
    for (const entry of entrypoints) {
      expect(existsSync(join(root, entry)), `${entry} exists`).toBe(true);
      for (const file of importClosure(root, entry)) {
        if (file.endsWith('.ts')) {
          expect(
            compiled.has(file),
            `${file} (from ${entry}) is not compiled by npm run build: is ${entry} in tsconfig.build.json files?`,
          ).toBe(true);
          const at = inRuntime(compiledPath(file));
          expect(
            at,
            `${compiledPath(file)} (from ${entry}) is not at its source path in the runtime stage`,
          ).toBe(file.replace(/\.ts$/, '.js'));
          shipped.add(at!);
        } else {
          expect(dockerContextIncludes(dockerignore, file), `${file} is excluded by .dockerignore`).toBe(
            true,
          );
          expect(inBuildStage(file), `${file} (from ${entry}) is not copied into the build stage`).toBe(true);
          const at = inRuntime(file);
          expect(at, `${file} (from ${entry}) is not copied into the runtime stage`).toBe(file);
          shipped.add(at!);
        }
      }
    }
    const commandFiles = [dockerCmd, ...containers.map((c) => c.command)].flatMap((command) => [
      scriptOf(command)!,
      ...preloadsOf(command),
    ]);
    for (const file of commandFiles) expect(shipped, `${file} is run but not in the image`).toContain(file);
  });

  it('runs compiled JavaScript: no tsx or TypeScript in the runtime, built before dev dependencies are pruned', () => {
    for (const command of [dockerCmd, ...containers.map((c) => c.command)]) {
      expect(command, `${command.join(' ')}: no tsx loader`).not.toContain('tsx');
      expect(
        command.filter((part) => part.endsWith('.ts')),
        `${command.join(' ')} runs TypeScript`,
      ).toEqual([]);
    }
    expect(
      runtimeStage.filter((instruction) => /\btsx\b|\.ts\b|tsconfig|runtime-tools|\bnpm\s/.test(instruction)),
      'the runtime stage installs or copies tsx, TypeScript or npm packages of its own',
    ).toEqual([]);
    const runtimeSources = dockerCopies(runtimeStage).flatMap((copy) => copy.sources);
    expect(
      runtimeSources.filter((source) => source === 'services' || source.startsWith('services/')),
      'TypeScript sources copied into the runtime stage',
    ).toEqual([]);
    expect(
      buildStage.filter((instruction) => /runtime-tools|\bcp\s[^&;|]*node_modules\//.test(instruction)),
      'dev dependencies set aside past the prune',
    ).toEqual([]);
    const build = buildStage.join('\n');
    const install = build.search(/\bnpm ci\b/);
    const compile = build.search(/\bnpm run build\b/);
    const prune = build.search(/\bnpm prune --omit=dev\b/);
    expect(install, 'npm ci installs the compiler').toBeGreaterThan(-1);
    expect(compile, 'npm run build runs after npm ci').toBeGreaterThan(install);
    expect(prune, 'the dev dependencies are pruned after npm run build').toBeGreaterThan(compile);
    expect(inRuntime('node_modules/pg/package.json'), 'the runtime gets the pruned node_modules').toBe(
      'node_modules/pg/package.json',
    );
  });

  it('loads at runtime only production dependencies (dev dependencies are pruned from the image)', () => {
    const manifest = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    for (const entry of entrypoints) {
      const packages = runtimePackages(root, importClosure(root, entry));
      const missing = [...packages].filter((name) => !(name in manifest.dependencies));
      expect(missing, `${entry} imports packages that are not production dependencies`).toEqual([]);
    }
  });

  it('runs as a numeric non-root user on a current LTS Node', () => {
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(lookup(values, 'podSecurityContext.runAsUser')).toBe(1000);
    const nodeMajor = /^ARG NODE_IMAGE=node:(\d+)-/m.exec(dockerfile)?.[1];
    expect(['22', '24']).toContain(nodeMajor);
    expect(read('.github/workflows/ci.yml')).toContain(`NODE_VERSION: "${nodeMajor}"`);
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
