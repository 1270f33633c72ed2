/** A submit button of a form: what a click adds to the submission. */
export interface HtmlSubmitButton {
  readonly name: string;
  readonly value: string;
}

/** A `<form>` as a browser would submit it. */
export interface HtmlForm {
  /** The resolved `action` (the page's own URL when absent). */
  readonly action: URL;
  readonly method: 'GET' | 'POST';
  /** Named inputs a submission always carries (hidden, text, checked boxes), in document order. */
  readonly fields: readonly (readonly [string, string])[];
  readonly buttons: readonly HtmlSubmitButton[];
}

/** A form submission: where to send which fields. */
export interface FormSubmission {
  readonly action: URL;
  readonly method: 'GET' | 'POST';
  readonly fields: readonly (readonly [string, string])[];
}

const formPattern = /<form\b([^>]*)>([\s\S]*?)<\/form\s*>/gi;
const controlPattern = /<(input|button)\b([^>]*)>/gi;
const attributePattern = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
const entities: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const nonSubmittedInputs = new Set(['submit', 'image', 'button', 'reset', 'file']);

/**
 * Finds the forms of a page, well enough for server-rendered login and consent pages (not a general
 * HTML parser: no nested forms, no `form=` attributes, no scripts).
 *
 * @example
 * const [form] = parseHtmlForms(html, pageUrl);
 */
export function parseHtmlForms(html: string, pageUrl: URL): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const [, formAttributes = '', inner = ''] of html.matchAll(formPattern)) {
    const attributes = parseAttributes(formAttributes);
    const fields: [string, string][] = [];
    const buttons: HtmlSubmitButton[] = [];
    for (const [, tag = '', controlAttributes = ''] of inner.matchAll(controlPattern)) {
      const control = parseAttributes(controlAttributes);
      const name = control.get('name');
      const type = (
        control.get('type') ?? (tag.toLowerCase() === 'button' ? 'submit' : 'text')
      ).toLowerCase();
      if (name === undefined || control.has('disabled')) continue;
      const value = control.get('value') ?? '';
      if (type === 'submit' || type === 'image') buttons.push({ name, value });
      else if (nonSubmittedInputs.has(type)) continue;
      else if ((type === 'checkbox' || type === 'radio') && !control.has('checked')) continue;
      else fields.push([name, type === 'checkbox' && !control.has('value') ? 'on' : value]);
    }
    const method = (attributes.get('method') ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET';
    const action = attributes.get('action');
    forms.push({
      action: new URL(action === undefined || action === '' ? pageUrl.href : action, pageUrl),
      method,
      fields,
      buttons,
    });
  }
  return forms;
}

/**
 * The submission a click on the button `name=value` of one of `forms` makes, or undefined when no
 * form has that button. `value` is compared case-insensitively (email addresses).
 */
export function clickButton(
  forms: readonly HtmlForm[],
  name: string,
  value: string,
): FormSubmission | undefined {
  for (const form of forms) {
    const button = form.buttons.find((b) => b.name === name && b.value.toLowerCase() === value.toLowerCase());
    if (button)
      return {
        action: form.action,
        method: form.method,
        fields: [...form.fields, [button.name, button.value]],
      };
  }
  return undefined;
}

function parseAttributes(source: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const [, name = '', double, single, bare] of source.matchAll(attributePattern)) {
    const key = name.toLowerCase();
    if (!attributes.has(key)) attributes.set(key, decodeEntities(double ?? single ?? bare ?? ''));
  }
  return attributes;
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (match, entity: string) => {
    if (!entity.startsWith('#')) return entities[entity.toLowerCase()] ?? match;
    const hex = entity[1] === 'x' || entity[1] === 'X';
    const codePoint = Number.parseInt(entity.slice(hex ? 2 : 1), hex ? 16 : 10);
    return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : match;
  });
}
