import { describe, expect, it } from 'vitest';
import { clickButton, parseHtmlForms } from './html-forms.js';

const page = new URL('http://idp.test/interaction/abc?x=1');

describe('parseHtmlForms', () => {
  it('reads action, method, submitted fields and submit buttons, decoding entities', () => {
    const [form] = parseHtmlForms(
      `<form method="POST" action="/interaction/abc">
        <input type="hidden" name="csrf" value="a&amp;b">
        <input name="note" value='it&#39;s'>
        <input type="checkbox" name="keep" checked>
        <input type="checkbox" name="skip">
        <input type="submit" name="go" value="Go">
        <button name="user" value="x&quot;y@example.com"><span>X</span></button>
        <button type="button" name="noop" value="1">No</button>
        <button name="off" value="1" disabled>Off</button>
      </form>`,
      page,
    );
    expect(form).toEqual({
      action: new URL('http://idp.test/interaction/abc'),
      method: 'POST',
      fields: [
        ['csrf', 'a&b'],
        ['note', "it's"],
        ['keep', 'on'],
      ],
      buttons: [
        { name: 'go', value: 'Go' },
        { name: 'user', value: 'x"y@example.com' },
      ],
    });
  });

  it('defaults to GET on the page URL', () => {
    const [form] = parseHtmlForms('<form><button name="a" value="b">B</button></form>', page);
    expect(form?.method).toBe('GET');
    expect(form?.action.href).toBe(page.href);
  });
});

describe('clickButton', () => {
  const forms = parseHtmlForms(
    '<form method="post" action="/one"><input type="hidden" name="h" value="1"><button name="user" value="Alice@Example.com">A</button></form>' +
      '<form method="post" action="/two"><button name="action" value="deny">Deny</button></form>',
    page,
  );

  it('submits the hidden fields and the clicked button of the form that has it', () => {
    expect(clickButton(forms, 'user', 'alice@example.com')).toEqual({
      action: new URL('http://idp.test/one'),
      method: 'POST',
      fields: [
        ['h', '1'],
        ['user', 'Alice@Example.com'],
      ],
    });
    expect(clickButton(forms, 'action', 'deny')?.action.pathname).toBe('/two');
  });

  it('returns undefined when no form has the button', () => {
    expect(clickButton(forms, 'user', 'bob@example.com')).toBeUndefined();
  });
});
