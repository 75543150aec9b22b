/** The dashboard's CSV export text (dashboard/src/csv.ts): RFC 4180 quoting, CRLF, formula-safe text, numbers as given. */
import { csvField, toCsv } from "../../../dashboard/src/csv";

describe("the dashboard's CSV text", () => {
  it("quotes a field with a comma, quote, CR or LF and doubles its quotes (RFC 4180)", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\r")).toBe('"cr\r"');
    expect(csvField("Székesfehérvár — Čeština")).toBe("Székesfehérvár — Čeština");
  });

  it("writes numbers as given, null as an empty field, and text a spreadsheet would run as a formula with a leading apostrophe", () => {
    expect(csvField(0)).toBe("0");
    expect(csvField(66.7)).toBe("66.7");
    expect(csvField(0.01)).toBe("0.01");
    expect(csvField(null)).toBe("");
    expect(csvField("=HYPERLINK(\"x\")")).toBe("\"'=HYPERLINK(\"\"x\"\")\"");
    expect(csvField("+1")).toBe("'+1");
    expect(csvField("@cmd")).toBe("'@cmd");
    expect(csvField("2026-12-01")).toBe("2026-12-01");
  });

  it("ends every record, the last one too, with CRLF", () => {
    expect(toCsv(["From", "Average (1–5)"], [["2026-12-01", 4.5], ["2026-11-01", null]])).toBe("From,Average (1–5)\r\n2026-12-01,4.5\r\n2026-11-01,\r\n");
    expect(toCsv(["Only a header"], [])).toBe("Only a header\r\n");
  });
});
