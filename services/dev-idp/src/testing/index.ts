export { CookieJar } from './cookie-jar.js';
export {
  clickButton,
  type FormSubmission,
  type HtmlForm,
  type HtmlSubmitButton,
  parseHtmlForms,
} from './html-forms.js';
export {
  ScriptedLoginError,
  type ScriptedLoginOptions,
  type ScriptedPage,
  type StopAt,
  scriptedLogin,
  stopPredicate,
} from './scripted-login.js';
