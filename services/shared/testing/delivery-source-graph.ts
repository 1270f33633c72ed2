import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';

/**
 * Source-level facts the delivery checks need: which files an entrypoint loads (relative imports,
 * followed transitively) and which environment variables those files read.
 */

const importPattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

/** Every repository file (relative path) an entrypoint loads through relative imports, itself included. */
export function importClosure(root: string, entry: string): string[] {
  const seen = new Set<string>();
  const pending: { file: string; from: string }[] = [{ file: resolve(root, entry), from: '(entry)' }];
  while (pending.length > 0) {
    const { file, from } = pending.pop()!;
    const key = relative(root, file);
    if (seen.has(key)) continue;
    if (!existsSync(file)) throw new Error(`${key} is imported by ${from} but does not exist`);
    seen.add(key);
    // Comments are dropped first: TSDoc examples show imports that are not part of the graph.
    const text = stripComments(readFileSync(file, 'utf8'));
    for (const match of text.matchAll(importPattern)) {
      pending.push({ file: resolveImport(dirname(file), match[1]!), from: key });
    }
  }
  return [...seen].sort();
}

const barePattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^./'"][^'"]*)['"]/g;

/**
 * Packages the given files load at runtime (bare specifiers, `node:` built-ins and type-only imports
 * left out): these must survive `npm prune --omit=dev` in the image.
 */
export function runtimePackages(root: string, files: readonly string[]): Set<string> {
  const packages = new Set<string>();
  for (const file of files) {
    const text = stripComments(readFileSync(join(root, file), 'utf8')).replace(
      /^\s*(?:import|export)\s+type\s[^;]*;/gm,
      '',
    );
    for (const match of text.matchAll(barePattern)) {
      const specifier = match[1]!;
      if (specifier.startsWith('node:')) continue;
      const parts = specifier.split('/');
      packages.add(specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!);
    }
  }
  return packages;
}

/** NodeNext style: `./x.js` in TypeScript source means `./x.ts`. */
function resolveImport(fromDir: string, specifier: string): string {
  const target = join(fromDir, specifier);
  if (existsSync(target)) return target;
  const asTs = target.replace(/\.js$/, '.ts');
  if (existsSync(asTs)) return asTs;
  return target;
}

const envReaderPattern =
  /\benv\.(?:optional|string|required|oneOf|integer|port|url|list|durationSeconds)(?:<[^>]*>)?\(\s*'([A-Z][A-Z0-9_]*)'/g;
const processEnvPattern = /\bprocess\.env(?:\.([A-Z][A-Z0-9_]*)|\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\])/g;
const requiredPattern = /\benv\.required\(\s*'([A-Z][A-Z0-9_]*)'/g;
const productionProblemPattern =
  /env\.problem\(\s*'([A-Z][A-Z0-9_]*) (?:is required|must be https) when APP_ENV=production/g;

/** Names read through `EnvReader` methods or `process.env` in the given files. */
export function environmentReads(root: string, files: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const file of files) {
    const text = stripComments(readFileSync(join(root, file), 'utf8'));
    for (const match of text.matchAll(envReaderPattern)) names.add(match[1]!);
    for (const match of text.matchAll(processEnvPattern)) names.add((match[1] ?? match[2])!);
  }
  return names;
}

/** Names the code itself insists on: `env.required(…)` and the production-only cross-field checks. */
export function environmentRequirements(root: string, files: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const file of files) {
    const text = stripComments(readFileSync(join(root, file), 'utf8'));
    for (const match of text.matchAll(requiredPattern)) names.add(match[1]!);
    for (const match of text.matchAll(productionProblemPattern)) names.add(match[1]!);
  }
  return names;
}

/** Drops `//` and block comments so names in documentation do not count as reads. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/**
 * Decides whether a path is sent to `docker build` under a `.dockerignore`: patterns match the path
 * or any of its parent directories, `**` spans directories, and the last matching rule wins.
 */
export function dockerContextIncludes(dockerignore: string, path: string): boolean {
  const rules = dockerignore
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = (negated ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
      return { negated, regex: globToRegex(pattern) };
    });
  const parts = path.split('/');
  const prefixes = parts.map((_, index) => parts.slice(0, index + 1).join('/'));
  let included = true;
  for (const rule of rules) {
    if (prefixes.some((prefix) => rule.regex.test(prefix))) included = rule.negated;
  }
  return included;
}

/** A Dockerfile stage's instructions (`FROM … AS name` to the next FROM): comments dropped, continuations joined. */
export function dockerStage(dockerfile: string, name: string): string[] {
  const stage = dockerfile
    .split(/^(?=FROM\s)/m)
    .find((text) => new RegExp(`^FROM\\s+\\S+\\s+AS\\s+${name}\\s*$`, 'i').test(text.split('\n')[0]!));
  if (stage === undefined) throw new Error(`the Dockerfile has no stage "${name}"`);
  return stage
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

export interface DockerCopy {
  /** The `--from=` stage; undefined when copying from the build context. */
  readonly from: string | undefined;
  /** Context-relative paths, or paths relative to WORKDIR /app with `--from`. */
  readonly sources: readonly string[];
  /** Relative to WORKDIR /app ('' for `./`). */
  readonly dest: string;
  readonly destIsDir: boolean;
  /** Position of the instruction in its stage. */
  readonly index: number;
}

export function dockerCopies(instructions: readonly string[]): DockerCopy[] {
  const appRelative = (path: string) =>
    path
      .replace(/^\/app(\/|$)/, '')
      .replace(/^\.(\/|$)/, '')
      .replace(/\/+$/, '');
  return instructions.flatMap((instruction, index) => {
    if (!/^COPY\s/i.test(instruction)) return [];
    const args = instruction.split(/\s+/).slice(1);
    const paths = args.filter((arg) => !arg.startsWith('--'));
    const dest = paths.at(-1) ?? '';
    return [
      {
        from: args.find((arg) => arg.startsWith('--from='))?.slice('--from='.length),
        sources: paths.slice(0, -1).map(appRelative),
        dest: appRelative(dest),
        destIsDir: dest.endsWith('/') || dest === '.' || paths.length > 2,
        index,
      },
    ];
  });
}

/** Where a COPY puts `file` (a path under one of its sources), relative to /app; undefined if it does not copy it. */
export function landing(copy: DockerCopy, file: string): string | undefined {
  for (const source of copy.sources) {
    const inside =
      source === '' ? file : file.startsWith(`${source}/`) ? file.slice(source.length + 1) : undefined;
    if (inside !== undefined) return join(copy.dest, inside);
    if (file === source) return copy.destIsDir ? join(copy.dest, basename(source)) : copy.dest;
  }
  return undefined;
}

function globToRegex(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (char === '*' && pattern[index + 1] === '*') {
      const slash = pattern[index + 2] === '/';
      source += slash ? '(?:.*/)?' : '.*';
      index += slash ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
