import { CreateSupportRequestSchema } from "../../../shared/contracts";
import { ConflictError, NotFoundError, ValidationError } from "../../../shared/services/errors";
import { escapePointerSegment, invalidParamsFromZod, problemFromError, PROBLEM_CONTENT_TYPE, validationProblem } from "../../../functions/http/problem";
import { z } from "zod";

function issuesOf(value: unknown) {
  const r = CreateSupportRequestSchema.safeParse(value);
  if (r.success) throw new Error("expected a failure");
  return r.error.issues;
}

describe("problem details (RFC 9457) from zod issues", () => {
  const valid = {
    customer: { tenantId: "b73b3144-acc1-422a-a4c7-bc9d4aed30f9", name: "Fabrikam", email: "it@fabrikam.example" },
    product: "azure",
    category: "billing",
    severity: "B",
    title: "Invoice",
    description: "Mismatch",
  };

  it("names every bad field with a JSON Pointer into the body", () => {
    const params = invalidParamsFromZod(issuesOf({ ...valid, customer: { ...valid.customer, email: "not-an-email", tenantId: "x" }, severity: "Z" }));
    const pointers = params.map((p) => p.pointer).sort();
    expect(pointers).toEqual(["#/customer/email", "#/customer/tenantId", "#/severity"]);
    for (const p of params) expect(p.detail.length).toBeGreaterThan(0);
  });

  it("points at missing fields and at the root for a non-object", () => {
    const { title: _t, ...noTitle } = valid;
    expect(invalidParamsFromZod(issuesOf(noTitle)).map((p) => p.pointer)).toEqual(["#/title"]);
    expect(invalidParamsFromZod(issuesOf("text")).map((p) => p.pointer)).toEqual(["#"]);
  });

  it("escapes ~ and / in pointer segments (RFC 6901) and lists unrecognized keys one by one", () => {
    expect(escapePointerSegment("a/b~c")).toBe("a~1b~0c");
    const strict = z.strictObject({ a: z.string() });
    const r = strict.safeParse({ a: "x", "x/y": 1, z: 2 });
    if (r.success) throw new Error("expected a failure");
    expect(invalidParamsFromZod(r.error.issues).map((p) => p.pointer)).toEqual(["#/x~1y", "#/z"]);
  });

  it("uses query:<name> pointers for query parameters", () => {
    const r = z.object({ limit: z.number().max(100) }).safeParse({ limit: 500 });
    if (r.success) throw new Error("expected a failure");
    expect(invalidParamsFromZod(r.error.issues, "query")).toEqual([{ pointer: "query:limit", detail: expect.any(String) }]);
  });

  it("builds application/problem+json responses and maps service errors by code", () => {
    const res = validationProblem([{ pointer: "#/title", detail: "too short" }], "/api/x");
    expect(res.status).toBe(400);
    expect((res.headers as Record<string, string>)["Content-Type"]).toBe(PROBLEM_CONTENT_TYPE);
    expect(res.jsonBody).toMatchObject({ status: 400, instance: "/api/x", errors: [{ pointer: "#/title", detail: "too short" }] });

    expect(problemFromError(new ValidationError(issuesOf({ ...valid, title: "" })))?.jsonBody).toMatchObject({ status: 400, errors: [{ pointer: "#/title" }] });
    expect(problemFromError(new NotFoundError("x"))?.status).toBe(404);
    const conflict = problemFromError(new ConflictError("closed", "closed"));
    expect(conflict?.status).toBe(409);
    expect(conflict?.jsonBody).toMatchObject({ detail: "closed", currentStatus: "closed" });
    expect(problemFromError(new Error("boom"))).toBeUndefined();
  });
});
