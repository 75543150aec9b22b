/**
 * CSV export of a table's rows, built in the browser (no server call): RFC 4180 text (fields
 * separated by commas, records by CRLF, a field with a comma, quote, CR or LF quoted, quotes
 * doubled), UTF-8 with a byte order mark (so spreadsheet programs read the accents right),
 * downloaded through a Blob and an object URL.
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

/** Offers `text` as a download named `fileName` (UTF-8 with a byte order mark, `text/csv`). */
export function downloadCsv(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob(["\uFEFF", text], { type: "text/csv;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has started from the URL; release it once the click was handled.
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
