import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A deliberately small, textual view of the chart's templates: enough to check names and paths
 * offline (there is no helm binary here), not a renderer. `helm template` in CI renders for real.
 */
export interface ChartTemplates {
  /** Template file name -> text. */
  readonly files: ReadonlyMap<string, string>;
  /** `define "name"` -> body, from every template file. */
  readonly defines: ReadonlyMap<string, string>;
}

export function readChartTemplates(chartDir: string): ChartTemplates {
  const dir = join(chartDir, 'templates');
  const files = new Map<string, string>();
  const defines = new Map<string, string>();
  for (const name of readdirSync(dir).sort()) {
    const text = readFileSync(join(dir, name), 'utf8');
    files.set(name, text);
    for (const [define, body] of extractDefines(text)) defines.set(define, body);
  }
  return { files, defines };
}

/** `define` bodies with nested `if`/`range`/`with`/`define` blocks balanced. */
function extractDefines(text: string): Map<string, string> {
  const result = new Map<string, string>();
  const actions = [...text.matchAll(/\{\{-?\s*(\/\*[\s\S]*?\*\/|[^}]*?)\s*-?\}\}/g)];
  for (let index = 0; index < actions.length; index++) {
    const open = /^define\s+"([^"]+)"/.exec(actions[index]![1]!.trim());
    if (!open) continue;
    let depth = 1;
    for (let inner = index + 1; inner < actions.length; inner++) {
      const action = actions[inner]![1]!.trim();
      if (/^(if|range|with|define|block)\b/.test(action)) depth++;
      else if (/^end\b/.test(action)) depth--;
      if (depth === 0) {
        const start = actions[index]!.index! + actions[index]![0].length;
        result.set(open[1]!, text.slice(start, actions[inner]!.index!));
        index = inner;
        break;
      }
    }
  }
  return result;
}

/** The template text with every `include "name"` replaced by that define's body, recursively. */
export function expandIncludes(templates: ChartTemplates, text: string, depth = 0): string {
  if (depth > 10) throw new Error('include nesting deeper than 10: a cycle?');
  return text.replace(/\{\{-?\s*include\s+"([^"]+)"[^}]*\}\}/g, (_, name: string) => {
    const body = templates.defines.get(name);
    if (body === undefined) throw new Error(`include "${name}" has no define`);
    return `\n${expandIncludes(templates, body, depth + 1)}\n`;
  });
}

/** Names of every `include "…"` in a text (to check each has a define). */
export function includedNames(text: string): string[] {
  return [...text.matchAll(/\binclude\s+"([^"]+)"/g)].map((match) => match[1]!);
}

export interface ContainerSpec {
  readonly name: string;
  /** The command array as written (`["node", "services/shared/event-store/migrate-command.js"]`). */
  readonly command: readonly string[];
  /** Environment variable names set on this container (after include expansion). */
  readonly env: ReadonlySet<string>;
  /** The container's text (after include expansion). */
  readonly text: string;
}

/**
 * Containers of a workload template that run the project's image: each `- name: x` list entry whose
 * next line is `image: {{ include "mcp-authz.image" . }}`, up to the next line at the same or a lower
 * indentation. Includes inside a container (the shared env block) are expanded before reading names.
 */
export function imageContainers(templates: ChartTemplates, raw: string): ContainerSpec[] {
  const lines = raw.split('\n');
  const containers: ContainerSpec[] = [];
  for (let index = 0; index < lines.length; index++) {
    const head = /^(\s*)- name: (\S.*?)\s*$/.exec(lines[index]!);
    if (!head || !/^\s*image:\s*\{\{\s*include "mcp-authz\.image"/.test(lines[index + 1] ?? '')) continue;
    const indent = head[1]!.length;
    let end = index + 1;
    while (end < lines.length) {
      const line = lines[end]!;
      const lineIndent = line.length - line.trimStart().length;
      if (line.trim() !== '' && lineIndent <= indent && !line.trimStart().startsWith('{{')) break;
      end++;
    }
    const text = expandIncludes(templates, lines.slice(index, end).join('\n'));
    const command = /command:\s*\[([^\]]*)\]/.exec(text)?.[1];
    containers.push({
      name: head[2]!,
      command: command ? [...command.matchAll(/"([^"]*)"/g)].map((m) => m[1]!) : [],
      env: new Set([...text.matchAll(/^\s*- name: ([A-Z][A-Z0-9_]*)\s*$/gm)].map((m) => m[1]!)),
      text,
    });
  }
  return containers;
}

/** `.Values.a.b` paths a template refers to, with simple `$x := .Values.a` aliases resolved. */
export function valuesPaths(text: string): string[] {
  const aliases = new Map<string, string[]>();
  for (const match of text.matchAll(/\$(\w+)\s*:=\s*\$?\.Values\.([\w.]+)/g))
    aliases.set(match[1]!, [match[2]!]);
  for (const match of text.matchAll(/range\s+\$\w+\s*,\s*\$(\w+)\s*:=\s*dict\s+([^}]*)\}\}/g)) {
    aliases.set(
      match[1]!,
      [...match[2]!.matchAll(/\$?\.Values\.([\w.]+)/g)].map((m) => m[1]!),
    );
  }
  const paths = new Set<string>();
  for (const match of text.matchAll(/\$?\.Values\.([\w.]+)/g)) paths.add(match[1]!);
  for (const [alias, bases] of aliases) {
    for (const match of text.matchAll(new RegExp(`\\$${alias}\\.([\\w.]+)`, 'g'))) {
      for (const base of bases) paths.add(`${base}.${match[1]!}`);
    }
  }
  return [...paths].sort();
}
