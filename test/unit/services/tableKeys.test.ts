/**
 * Table keys from outside input (shared/adapters/tableStorage.ts `encodeKey`): whatever the string,
 * the key part has none of the characters Azure refuses in PartitionKey/RowKey (`/ \ # ?`,
 * U+0000–U+001F, U+007F–U+009F), no lone surrogate (which has no UTF-8 form, so no URL), fits its
 * length budget, and distinct inputs give distinct keys; ordinary ids stay as they are.
 */
import fc from "fast-check";
import { deliveryRowKey, timelinePartitionKey } from "../../../shared/adapters/tableCaseRepository";
import { DEFAULT_KEY_PART_LENGTH, encodeKey, MAX_KEY_LENGTH } from "../../../shared/adapters/tableStorage";
import { isWellFormedText } from "../../../shared/contracts";

const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const anyString = fc.oneof(fc.string({ unit: "binary", maxLength: 600 }), fc.string({ unit: codeUnit, maxLength: 600 }), fc.string({ unit: fc.constantFrom("/", "\\", "#", "?", "%", "\u0000", "\u007f", "\u0085", "\ud83d", "\ude00", "\u2028", "a", "~"), maxLength: 300 }));
const FORBIDDEN = /[/\\#?\u0000-\u001f\u007f-\u009f]/;

describe("encodeKey", () => {
  it("keeps ordinary ids as they are (keys written before stay the same)", () => {
    for (const id of ["contoso-csp", "CS-0K7Q2M4XPR", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", "received", "partner:sla-breach-first-response", "Árvíztűrő tükörfúrógép", "\u{1f600}"]) {
      expect(encodeKey(id)).toBe(id);
    }
  });

  it("escapes what keys may not hold, and the escape character itself", () => {
    expect(encodeKey("a/b\\c#d?e%f")).toBe("a%2Fb%5Cc%23d%3Fe%25f");
    expect(encodeKey("x\u0000\u001f\u007f\u0085\u009fy")).toBe("x%00%1F%7F%85%9Fy");
    expect(encodeKey("lone \ud83d and \ude00")).toBe("lone %uD83D and %uDE00");
  });

  it("hashes a part longer than its budget into a fixed-length form", () => {
    const long = "x".repeat(DEFAULT_KEY_PART_LENGTH + 1);
    expect(encodeKey(long)).toMatch(/^%~[0-9a-f]{64}$/);
    expect(encodeKey("x".repeat(DEFAULT_KEY_PART_LENGTH))).toBe("x".repeat(DEFAULT_KEY_PART_LENGTH));
  });

  it("is total: any string gives a valid, well-formed key part within its budget, and distinct strings distinct parts", () => {
    fc.assert(
      fc.property(anyString, anyString, (a, b) => {
        const ka = encodeKey(a);
        expect(ka).not.toMatch(FORBIDDEN);
        expect(isWellFormedText(ka)).toBe(true);
        expect(ka.length).toBeLessThanOrEqual(DEFAULT_KEY_PART_LENGTH);
        if (a !== b) expect(encodeKey(b)).not.toBe(ka);
      }),
      { numRuns: 1000 },
    );
  });

  it("composed keys of outside input stay within the 1 KiB (512 UTF-16 code units) key limit", () => {
    fc.assert(
      fc.property(anyString, anyString, (a, b) => {
        expect(deliveryRowKey(a).length).toBeLessThanOrEqual(MAX_KEY_LENGTH);
        expect(timelinePartitionKey(a, b).length).toBeLessThanOrEqual(MAX_KEY_LENGTH);
      }),
    );
    expect(deliveryRowKey(`msg_${"x".repeat(1000)}`)).toMatch(/^delivery_%~[0-9a-f]{64}$/);
  });
});
