/**
 * What the renderers do to every string they are given before using it, so rendering is total
 * over any JavaScript string (also over data stored before intake normalised text, or built by the
 * app itself from such data): the intake normalisation (shared/contracts `normalizeText`: lone
 * surrogates → U+FFFD, CR LF and CR → LF, control characters other than TAB and LF removed, NFC),
 * then U+2028 LINE SEPARATOR → LF and U+2029 PARAGRAPH SEPARATOR → an empty line, which is what
 * they mean in the plain-text and HTML parts.
 */
import { normalizeText } from "../contracts/text";

/**
 * A string as the templates render it (see the module comment). Total and idempotent.
 * @param value - any JavaScript string.
 * @returns well-formed text whose only line break is LF and whose only other control character is TAB.
 */
export function toRenderableText(value: string): string {
  return normalizeText(value).replace(/\u2028/g, "\n").replace(/\u2029/g, "\n\n");
}

/**
 * A copy of a renderer's input with every string in it (at any depth, in plain objects and
 * arrays, with or without a prototype) passed through {@link toRenderableText}; numbers, booleans
 * and other values (dates, class instances) are kept.
 * @param input - a template input (plain data).
 */
export function toRenderableInput<T>(input: T): T {
  return mapStrings(input) as T;
}

function mapStrings(value: unknown): unknown {
  if (typeof value === "string") return toRenderableText(value);
  if (Array.isArray(value)) return value.map(mapStrings);
  if (value !== null && typeof value === "object") {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v)]));
  }
  return value;
}
