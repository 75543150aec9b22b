/**
 * local.settings.json for a host started separately (`func start`): the settings that point it at
 * the services `npm run start:deps` runs (storage, SMTP) and the local key encryption key the demo
 * partners' secrets were sealed with. The file holds that key, so it is written with mode 0600
 * (it is git-ignored).
 */
import fs from "node:fs";
import path from "node:path";

/** What {@link prepareLocalSettings} did. */
export interface LocalSettingsUpdate {
  /** The settings file. */
  file: string;
  /** Whether it was created (from the example file). */
  created: boolean;
  /** Keys it set: all of them in a new file, else those missing or empty. */
  set: string[];
  /** Keys the file already had with another value (left as they are; the caller warns). */
  differing: Array<{ key: string; value: string; wanted: string }>;
}

interface SettingsFile {
  IsEncrypted?: boolean;
  Values?: Record<string, unknown>;
  [other: string]: unknown;
}

function readSettings(file: string): SettingsFile | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as SettingsFile;
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * The `Values` of a local settings file as strings (empty object when it does not exist).
 * @throws Error when the file exists but is not valid JSON.
 */
export function readLocalSettingsValues(file: string): Record<string, string> {
  const values = readSettings(file)?.Values ?? {};
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, String(v)]));
}

/**
 * Creates `file` from `exampleFile` with `values` when missing; in an existing file, sets each of
 * `values` it lacks or leaves empty, and keeps the values the user set (differences are reported,
 * not overwritten). Writes the file with mode 0600.
 * @param file - e.g. `<root>/local.settings.json`.
 * @param exampleFile - e.g. `<root>/local.settings.example.json` (used when `file` is missing; may not exist).
 * @param values - the settings the local services need.
 * @throws Error when a file is not valid JSON or cannot be written.
 */
export function prepareLocalSettings(file: string, exampleFile: string, values: Readonly<Record<string, string>>): LocalSettingsUpdate {
  const existing = readSettings(file);
  const settings: SettingsFile = existing ?? readSettings(exampleFile) ?? { IsEncrypted: false, Values: {} };
  if (settings.IsEncrypted) throw new Error(`${file} is encrypted (IsEncrypted: true); decrypt it with "func settings decrypt" first.`);
  const current: Record<string, unknown> = { ...(settings.Values ?? {}) };
  const set: string[] = [];
  const differing: LocalSettingsUpdate["differing"] = [];
  for (const [key, wanted] of Object.entries(values)) {
    const value = current[key];
    // A new file takes every wanted value (the example's are only defaults).
    if (!existing || value === undefined || value === null || String(value) === "") {
      current[key] = wanted;
      set.push(key);
    } else if (String(value) !== wanted) differing.push({ key, value: String(value), wanted });
  }
  if (!existing || set.length > 0) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify({ ...settings, IsEncrypted: false, Values: current }, null, 2)}\n`, { mode: 0o600 });
  }
  fs.chmodSync(file, 0o600);
  return { file, created: !existing, set, differing };
}
