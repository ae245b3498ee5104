const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
const DIGIT = /\d/g;

/** Replaces e-mail addresses with `[email]` and every digit with `#` (card, phone and account numbers). */
export function redactText(text: string): string {
  return text.replace(EMAIL, '[email]').replace(DIGIT, '#');
}
