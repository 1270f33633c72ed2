import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type ChartTemplates, imageContainers, readChartTemplates } from './delivery-helm-text.js';

/**
 * What the delivery checks (`delivery*.int.spec.ts`) read: the repository's Dockerfile, chart and
 * values, and per container running our image, what it runs.
 */

export const root = resolve(import.meta.dirname, '../../..');
export const chartDir = join(root, 'helm/mcp-authz');
export const read = (path: string): string => readFileSync(join(root, path), 'utf8');
export const templates: ChartTemplates = readChartTemplates(chartDir);
export const values = parseYaml(read('helm/mcp-authz/values.yaml')) as Record<string, unknown>;
export const devValues = parseYaml(read('helm/mcp-authz/values-dev.yaml')) as Record<string, unknown>;
export const dockerfile = read('Dockerfile');
export const dockerignore = read('.dockerignore');

/** Every file under a directory, as repository-relative paths. */
export function walk(dir: string): string[] {
  const absolute = join(root, dir);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(join(root, path)).isFile())
    .sort();
}

/** Helm's value merge: maps merge key by key, everything else is replaced. */
export function mergeValues(base: unknown, override: unknown): unknown {
  if (!isMap(base) || !isMap(override)) return override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = mergeValues(base[key], value);
  return merged;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function lookup(object: unknown, path: string): unknown {
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
export const containers = workloadTemplates.flatMap((file) =>
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
export function scriptOf(command: readonly string[]): string | undefined {
  return command.filter((part, i) => isScript(part) && command[i - 1] !== '--import').at(-1);
}

/** Files a `node` command preloads with `--import` (e.g. the OpenTelemetry registration), as named. */
export function preloadsOf(command: readonly string[]): string[] {
  return command
    .filter((part, i) => command[i - 1] === '--import' && isScript(part))
    .map((part) => part.replace(/^\.\//, ''));
}

/**
 * The source of a file the image runs: `X.js` is what `npm run build` compiled from `X.ts` when that
 * file exists; anything else (a plain `.mjs`) is its own source.
 */
export function sourceOf(path: string): string {
  const source = path.replace(/\.js$/, '.ts');
  return source !== path && existsSync(join(root, source)) ? source : path;
}

/** The Dockerfile's default command (the MCP server role). */
export const dockerCmd = JSON.parse(/^CMD\s+(\[.*\])\s*$/m.exec(dockerfile)?.[1] ?? '[]') as string[];
