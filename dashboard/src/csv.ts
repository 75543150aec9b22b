/**
 * CSV text of a table's rows, built in the browser (no server call): RFC 4180 (fields separated by
 * commas, records by CRLF, a field with a comma, quote, CR or LF quoted, quotes doubled). Pure (no
 * DOM), so unit-tested; `downloadCsv` in dom.ts offers it as a UTF-8 file.
 */

/** A cell of an exported row: text, a number as the API gave it, or nothing (an empty field). */
export type CsvCell = string | number | null;

/** Characters that make a spreadsheet program read a text field as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One field, quoted when RFC 4180 needs it; text that a spreadsheet would run as a formula is prefixed with `'` (numbers never are). */
export function csvField(cell: CsvCell): string {
  if (cell === null) return "";
  let text = typeof cell === "number" ? String(cell) : cell;
  if (typeof cell === "string" && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The CSV text of a header and rows (CRLF after every record, the last one too). */
export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly CsvCell[]>): string {
  return [header, ...rows].map((r) => `${r.map(csvField).join(",")}\r\n`).join("");
}
