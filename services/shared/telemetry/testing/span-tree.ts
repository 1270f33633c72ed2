import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/**
 * Assertions over the spans of one trace, in the style of emmett's
 * `hasSingleSpanNamed(…).hasChildNamed(…)`: each step throws naming what it found instead.
 *
 * @example
 * spanTree(spans).single('mcp.request').child('authz.decide').child('audit.append');
 */
export function spanTree(spans: readonly ReadableSpan[]): { single(name: string): SpanNode } {
  return {
    single(name) {
      const found = spans.filter((span) => span.name === name);
      if (found.length !== 1) {
        throw new Error(`expected one span named ${name}, found ${found.length} among ${describe(spans)}`);
      }
      return new SpanNode(found[0]!, spans);
    },
  };
}

/** One span of a trace and the ways to walk from it. */
export class SpanNode {
  readonly span: ReadableSpan;
  readonly #all: readonly ReadableSpan[];

  constructor(span: ReadableSpan, all: readonly ReadableSpan[]) {
    this.span = span;
    this.#all = all;
  }

  get id(): string {
    return this.span.spanContext().spanId;
  }

  /** The direct children, in start order. */
  children(): SpanNode[] {
    return this.#all
      .filter((span) => span.parentSpanContext?.spanId === this.id)
      .sort((a, b) => compareTime(a.startTime, b.startTime))
      .map((span) => new SpanNode(span, this.#all));
  }

  /** The only direct child named `name`. */
  child(name: string): SpanNode {
    const found = this.children().filter((node) => node.span.name === name);
    if (found.length !== 1) {
      const names = this.children().map((node) => node.span.name);
      throw new Error(`expected one child ${name} under ${this.span.name}, found [${names.join(', ')}]`);
    }
    return found[0]!;
  }

  /** The only span named `name` anywhere below this one (hook and handler spans may sit between). */
  descendant(name: string): SpanNode {
    const found = this.#descendants().filter((node) => node.span.name === name);
    if (found.length !== 1) {
      throw new Error(`expected one descendant ${name} under ${this.span.name}, found ${found.length}`);
    }
    return found[0]!;
  }

  /** The parent span, which must be in the same trace. */
  parent(): SpanNode {
    const parentId = this.span.parentSpanContext?.spanId;
    const parent = this.#all.find((span) => span.spanContext().spanId === parentId);
    if (!parent) throw new Error(`${this.span.name} has no parent among the exported spans`);
    return new SpanNode(parent, this.#all);
  }

  #descendants(): SpanNode[] {
    return this.children().flatMap((child) => [child, ...child.#descendants()]);
  }
}

function compareTime(a: readonly [number, number], b: readonly [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

function describe(spans: readonly ReadableSpan[]): string {
  return `[${spans.map((span) => span.name).join(', ')}]`;
}
