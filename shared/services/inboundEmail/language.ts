/**
 * Which language a new email request is answered in (docs/email-intake.md "Language"):
 * 1. the customer directory's language, when the sender is known (it always wins);
 * 2. else the language identified in the subject and the new text of the body (quoted history and
 *    signature already stripped), when the identifier is sure of it and the app serves it
 *    (`SupportedLanguages`: en, hu, cs, pl, ru);
 * 3. else the partner's default language (`defaultLanguage`, default `en`): an unsure guess, a
 *    language the app does not serve, or too little text never picks a language the customer
 *    may not read.
 *
 * Identifier: `eld` (Nito-ELD, n-gram based, 60 languages), medium data set. Compared with
 * franc-min, franc, tinyld and cld3-asm on the labelled sample of real mail text in
 * test/fixtures/email/language-sample.json (13 languages); eld identified the most (figures in
 * docs/email-intake.md, reproduced by `npm run bench:language`). eld is an ES module: it is
 * loaded with a dynamic `import()` once per process.
 */
import { SupportedLanguages, type LanguageDecision, type SupportedLanguage } from "../../contracts";

/** Fewest letters of text the identifier is asked about; less gives the partner's default. */
export const MIN_LANGUAGE_LETTERS = 12;
/**
 * Smallest lead of the best language's score over the runner-up (scores 0–1) for a guess to count.
 * Calibrated on the labelled sample: Russian mail leads Ukrainian by 0.015, while the one wrong
 * guess (a two-word Danish reply taken for Swedish) leads by 0.006.
 */
export const MIN_LANGUAGE_MARGIN = 0.01;
/** Most characters handed to the identifier (the start of the text decides; bounds the work). */
export const MAX_LANGUAGE_CHARS = 4000;

/** One identification: ISO 639-1 code, score 0–1, and whether the identifier calls it reliable with a clear lead. */
export interface LanguageGuess {
  language: string;
  confidence: number;
  sure: boolean;
}

interface EldLike {
  detect(text: string): { language: string; getScores(): Record<string, number>; isReliable(): boolean };
}

let loading: Promise<EldLike> | undefined;

function loadIdentifier(): Promise<EldLike> {
  loading ??= import("eld/medium").then((m) => m.eld as EldLike);
  return loading;
}

/**
 * Identifies the language of a text.
 * @param text - subject and body text (plain, quotes stripped); only the first
 *   {@link MAX_LANGUAGE_CHARS} characters are read.
 * @returns the guess, or undefined when the text has fewer than {@link MIN_LANGUAGE_LETTERS}
 *   letters or the identifier names none.
 */
export async function identifyLanguage(text: string): Promise<LanguageGuess | undefined> {
  const sample = text.slice(0, MAX_LANGUAGE_CHARS);
  if ((sample.match(/\p{L}/gu) ?? []).length < MIN_LANGUAGE_LETTERS) return undefined;
  const eld = await loadIdentifier();
  const result = eld.detect(sample);
  if (!result.language) return undefined;
  const scores = Object.values(result.getScores()).sort((a, b) => b - a);
  const top = scores[0] ?? 0;
  const lead = top - (scores[1] ?? 0);
  return { language: result.language, confidence: Math.round(top * 1000) / 1000, sure: result.isReliable() && lead >= MIN_LANGUAGE_MARGIN };
}

/**
 * Decides the language of a new request (the rule in the module comment).
 * @param input - the directory's language (when the sender is known), the partner's default, and
 *   the text to identify (subject + new body text).
 * @returns the decision with its source; never throws for any text.
 */
export async function decideLanguage(input: { directoryLanguage?: SupportedLanguage; partnerDefault: SupportedLanguage; text: string }): Promise<LanguageDecision> {
  const guess = await identifyLanguage(input.text);
  const seen = guess ? { detected: guess.language, confidence: guess.confidence } : {};
  if (input.directoryLanguage) return { language: input.directoryLanguage, source: "directory", ...seen };
  if (guess?.sure && (SupportedLanguages as readonly string[]).includes(guess.language)) return { language: guess.language as SupportedLanguage, source: "detected", ...seen };
  return { language: input.partnerDefault, source: "partner-default", ...seen };
}
