import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageNodeOptions } from '../../../load-test/lib/local-stack.js';
import {
  containers,
  dockerCmd,
  dockerfile,
  dockerignore,
  lookup,
  preloadsOf,
  read,
  root,
  scriptOf,
  sourceOf,
  templates,
  values,
  walk,
} from './delivery-fixture.js';
import {
  dockerContextIncludes,
  dockerCopies,
  dockerStage,
  importClosure,
  landing,
  runtimePackages,
} from './delivery-source-graph.js';

/**
 * Offline checks of the container image (Dockerfile, .dockerignore) against the code and the chart:
 * it builds every entrypoint from the sources, ships only compiled JavaScript and production
 * dependencies, and runs the commands the npm scripts name. `docker build` itself runs in GitHub
 * Actions (deploy/README.md, "What CI checks").
 */

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

  it('sets the NODE_OPTIONS the bench runs the servers with, and the chart does not override them', () => {
    const env = dockerStage(dockerfile, 'runtime')
      .filter((line) => line.startsWith('ENV '))
      .flatMap((line) => line.slice(4).split(/\s+/));
    expect(env).toContain(`NODE_OPTIONS=${imageNodeOptions}`);
    for (const [name, text] of templates.files) expect(text, name).not.toContain('NODE_OPTIONS');
  });

  it('runs as a numeric non-root user on a current LTS Node', () => {
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(lookup(values, 'podSecurityContext.runAsUser')).toBe(1000);
    const nodeMajor = /^ARG NODE_IMAGE=node:(\d+)-/m.exec(dockerfile)?.[1];
    expect(['22', '24']).toContain(nodeMajor);
    expect(read('.github/workflows/ci.yml')).toContain(`NODE_VERSION: "${nodeMajor}"`);
  });
});
