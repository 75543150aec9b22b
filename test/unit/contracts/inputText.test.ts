/**
 * Free text is normalised where it is validated (shared/contracts/text.ts): lone surrogates become
 * U+FFFD, CR LF and CR become LF, control characters other than TAB and LF go, NFC; everything
 * else (U+2028/U+2029, bidirectional and zero-width marks, long words) is kept. The webhook body
 * and the partner API bodies apply it before their length checks.
 */
import fc from "fast-check";
import {
  AssignmentBodySchema,
  CaseUpdateBodySchema,
  CreateSupportRequestSchema,
  DiagnosisRequestSchema,
  inputText,
  isWellFormedText,
  NoteBodySchema,
  normalizeText,
  toSingleLineText,
  toWellFormedText,
  truncateText,
} from "../../../shared/contracts";

const body = {
  customer: { tenantId: "b73b3144-acc1-422a-a4c7-bc9d4aed30f9", name: "Tisza Logisztika Zrt.", email: "it@tisza.example", preferredLanguage: "hu", contactName: "Kovács Eszter" },
  product: "azure",
  category: "billing",
  severity: "B",
  title: "Invoice discrepancy",
  description: "The October invoice does not match.",
};

const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const anyText = fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: codeUnit }), fc.string({ unit: fc.constantFrom("\ud83d", "\ude00", "\u0000", "\r", "\n", "\r\n", "\t", "\u2028", "\u2029", "\u200f", "\u202e", "e\u0301", "\u0085", "x") }));

describe("normalizeText", () => {
  it("replaces lone surrogates with U+FFFD and keeps pairs", () => {
    expect(normalizeText("a\ud83db")).toBe("a\ufffdb");
    expect(normalizeText("\ude00x\ud83d")).toBe("\ufffdx\ufffd");
    expect(normalizeText("\ud83d\ude00")).toBe("\u{1f600}");
    expect(toWellFormedText("\udbff\udbff\udfff")).toBe("\ufffd\u{10ffff}");
  });

  it("turns CR LF and CR into LF and removes other control characters, keeping TAB and LF", () => {
    expect(normalizeText("a\r\nb\rc\nd\te")).toBe("a\nb\nc\nd\te");
    expect(normalizeText("N\u0000U\u0007L\u001bL\u007f\u0085\u009f")).toBe("NULL");
  });

  it("composes to NFC", () => {
    expect(normalizeText("Kova\u0301cs")).toBe("Kovács");
    expect(normalizeText("Kova\u0301cs")).toBe(normalizeText("Kovács"));
  });

  it("keeps line and paragraph separators, bidirectional and zero-width marks, and long words", () => {
    const kept = "a\u2028b\u2029c \u200fש\u200e \u202eevil\u202c \u2066x\u2069 zero\u200bwidth \u2060 \ufeff";
    expect(normalizeText(kept)).toBe(kept);
    const word = "x".repeat(100_000);
    expect(normalizeText(word)).toBe(word);
  });

  it("is total and idempotent, and its result is well-formed with no control character but TAB and LF", () => {
    fc.assert(
      fc.property(anyText, (value) => {
        const once = normalizeText(value);
        expect(isWellFormedText(once)).toBe(true);
        expect(once).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
        expect(normalizeText(once)).toBe(once);
      }),
      { numRuns: 500 },
    );
  });
});

describe("truncateText and toSingleLineText", () => {
  it("never cut a surrogate pair in two", () => {
    expect(truncateText("ab\u{1f600}", 3)).toBe("ab");
    expect(truncateText("ab\u{1f600}", 4)).toBe("ab\u{1f600}");
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.nat({ max: 20 }), (value, max) => {
        const cut = truncateText(value, max);
        expect(cut.length).toBeLessThanOrEqual(max);
        expect(isWellFormedText(cut)).toBe(true);
        expect(value.startsWith(cut)).toBe(true);
      }),
    );
  });

  it("make one well-formed line of anything", () => {
    expect(toSingleLineText(" a\r\n\u2028b\u0000\tc\ud83d ")).toBe("a b c\ufffd");
    fc.assert(fc.property(anyText, (value) => expect(toSingleLineText(value)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/)));
  });
});

describe("inputText in the request schemas", () => {
  it("the webhook accepts a title holding an unpaired surrogate, as U+FFFD (valid JSON is never refused for its text)", () => {
    const parsed = CreateSupportRequestSchema.parse(JSON.parse(JSON.stringify({ ...body, title: "Broken \ud83d title" })));
    expect(parsed.title).toBe("Broken \ufffd title");
  });

  it("normalises every free-text field of the webhook before checking its length", () => {
    const parsed = CreateSupportRequestSchema.parse({
      ...body,
      title: "  Cafe\u0301\u0000 bill  ",
      description: "line one\r\nline two\u2028still two\u0007",
      customer: { ...body.customer, name: "Tisza\u0000 Zrt.", contactName: "Kova\u0301cs \ud83d" },
    });
    expect(parsed).toMatchObject({ title: "Café bill", description: "line one\nline two\u2028still two", customer: { name: "Tisza Zrt.", contactName: "Kovács \ufffd" } });
  });

  it("counts a field of control characters only as empty, naming it", () => {
    const result = CreateSupportRequestSchema.safeParse({ ...body, title: "\u0000\u0001\u0002\u0003" });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join("/"))).toEqual(["title"]);
    expect(NoteBodySchema.safeParse({ text: "\r\n\u0000" }).success).toBe(false);
  });

  it("partner API bodies are normalised too: notes, updates, assignee names", () => {
    expect(DiagnosisRequestSchema.parse({ outcome: "resolved", notes: "ok\ud83d\r\n" }).notes).toBe("ok\ufffd");
    expect(CaseUpdateBodySchema.parse({ message: "step 1\u2028step 2\u0000" }).message).toBe("step 1\u2028step 2");
    expect(AssignmentBodySchema.parse({ assignee: "Ana\u0301 \u202eR" }).assignee).toBe("Aná \u202eR");
    expect(AssignmentBodySchema.parse({ assignee: null }).assignee).toBeNull();
  });

  it("checks lengths after normalising", () => {
    const schema = inputText({ min: 3, max: 5 });
    expect(schema.safeParse("ab\u0000").success).toBe(false);
    expect(schema.parse("e\u0301e\u0301e\u0301e\u0301e\u0301")).toBe("ééééé");
    expect(schema.safeParse("abcdef").success).toBe(false);
  });
});
