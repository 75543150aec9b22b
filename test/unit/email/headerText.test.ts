import fc from "fast-check";
import { neutraliseEncodedWords, safeDisplayName, MAX_DISPLAY_NAME_LENGTH } from "../../../shared/domain/email";

describe("safeDisplayName", () => {
  it.each([
    ["Evil <evil5@x.example>", "Evil"],
    ['"ceo@bank.example" ', undefined],
    ["Kovács Eszter", "Kovács Eszter"],
    ["Support\r\nBcc: all@x.example", "Support Bcc:"],
    ["Eve <img src=x onerror=alert(1)>", "Eve"],
    ["  ", undefined],
    [undefined, undefined],
  ])("%j → %j", (input, expected) => {
    expect(safeDisplayName(input)).toBe(expected);
  });

  it("never leaves an address, an angle bracket, a control character, a quote or an encoded-word opener (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 120 }), (name) => {
        const safe = safeDisplayName(name);
        if (safe === undefined) return;
        expect(safe).not.toMatch(/[@<>"\\\u0000-\u001f\u007f]/);
        expect(safe).not.toContain("=?");
        expect(safe.replaceAll("\u2060", "").length).toBeLessThanOrEqual(MAX_DISPLAY_NAME_LENGTH);
        expect(safe).toBe(safe.trim());
      }),
    );
  });
});

describe("neutraliseEncodedWords", () => {
  it("breaks every =? and changes nothing else (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), (text) => {
        const out = neutraliseEncodedWords(text);
        expect(out).not.toContain("=?");
        expect(out.replaceAll("=\u2060?", "=?")).toBe(text);
      }),
    );
  });
});
