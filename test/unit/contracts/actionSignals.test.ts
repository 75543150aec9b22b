/**
 * Inbox `seq` numbers and the record a `CaseActionsAvailable` signal carries
 * (shared/contracts/caseActions.ts): what the orchestration relies on to take the next action from
 * a signal instead of reading the inbox.
 */
import fc from "fast-check";
import { MAX_SIGNALLED_RECORD_BYTES, actionSeqNumber, actionSignalOf, formatActionSeq, type CaseActionRecord } from "../../../shared/contracts";

const record = (excerpt: string): CaseActionRecord => ({ seq: formatActionSeq(7), action: { type: "customer-reply", excerpt }, actor: { kind: "customer", email: "it@customer.example" }, recordedAt: "2026-03-02T08:30:00.000Z" });

describe("inbox seq numbers", () => {
  it("are 12 zero-padded digits whose string order is their numeric order, and read back as their number", () => {
    expect(formatActionSeq(1)).toBe("000000000001");
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999_999_999_999 }), fc.integer({ min: 1, max: 999_999_999_999 }), (a, b) => {
        expect(formatActionSeq(a) < formatActionSeq(b)).toBe(a < b);
        expect(actionSeqNumber(formatActionSeq(a))).toBe(a);
      }),
    );
  });

  it("anything else is not a seq", () => {
    for (const text of ["", "counter", "12a", "-1", "1.5", " 1", "0x10", "1234567890123456"]) expect(actionSeqNumber(text)).toBeUndefined();
  });
});

describe("the record a signal carries", () => {
  it("is the stored record itself when small", () => {
    const r = record("Thanks, that fixed it.");
    expect(actionSignalOf(r)).toBe(r);
  });

  it("is null over 16 KiB of UTF-8: the longest customer reply in a 3-byte script (8,000 characters, 24 KB) is announced without it", () => {
    const cjk = record("支".repeat(8000));
    expect(new TextEncoder().encode(JSON.stringify(cjk)).length).toBeGreaterThan(MAX_SIGNALLED_RECORD_BYTES);
    expect(actionSignalOf(cjk)).toBeNull();
    // The same number of ASCII characters fits.
    expect(actionSignalOf(record("a".repeat(8000)))).not.toBeNull();
  });
});
