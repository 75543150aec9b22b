import { CASE_ID_PATTERN, caseIdTime, CROCKFORD_ALPHABET, generateCaseId, isCaseId } from "../../../shared/services/caseId";

describe("case ids", () => {
  it("are CS- followed by 10 Crockford base32 characters without I, L, O or U", () => {
    for (let i = 0; i < 500; i++) {
      const id = generateCaseId();
      expect(id).toMatch(/^CS-[0-9A-Z]{10}$/);
      expect(id.slice(3)).not.toMatch(/[ILOU]/);
      expect(isCaseId(id)).toBe(true);
    }
    expect(CROCKFORD_ALPHABET).toHaveLength(32);
  });

  it("encode the creation minute, so ids sort by time", () => {
    const t1 = new Date("2026-03-01T10:15:42Z");
    const t2 = new Date("2026-03-01T10:16:05Z");
    const a = generateCaseId(t1, () => 2 ** 25 - 1);
    const b = generateCaseId(t2, () => 0);
    expect(a < b).toBe(true);
    expect(caseIdTime(a)?.toISOString()).toBe("2026-03-01T10:15:00.000Z");
    expect(caseIdTime(b)?.toISOString()).toBe("2026-03-01T10:16:00.000Z");
  });

  it("differ within the same minute through 25 random bits", () => {
    const now = new Date("2026-03-01T10:15:00Z");
    const ids = new Set(Array.from({ length: 1000 }, () => generateCaseId(now)));
    expect(ids.size).toBeGreaterThan(990);
  });

  it("reject times outside the encodable range and bad random sources", () => {
    expect(() => generateCaseId(new Date("2019-12-31T23:59:00Z"))).toThrow(RangeError);
    expect(() => generateCaseId(new Date("2026-01-01T00:00:00Z"), () => 2 ** 25)).toThrow(RangeError);
  });

  it("recognizes what is not a case id", () => {
    for (const s of ["CS-0000000000I", "cs-0123456789", "CS-01234", "CASE-0123456789", "CS-0123456789/"]) expect(isCaseId(s)).toBe(false);
    expect(CASE_ID_PATTERN.test("CS-0123456789")).toBe(true);
    expect(caseIdTime("nope")).toBeUndefined();
  });
});
