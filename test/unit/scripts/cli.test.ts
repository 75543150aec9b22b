import { formatCurlExample, formatProgressLine, formatStackSummary, formatTable, parseDemoArgs, parseRegisterPartnerArgs, UsageError } from "../../../scripts/lib/cli";

describe("parseDemoArgs", () => {
  it("defaults", () => {
    const a = parseDemoArgs([], "/repo");
    expect(a).toMatchObject({ baseUrl: "http://127.0.0.1:7071", timeoutInSeconds: 240, requestsFile: "/repo/test/fixtures/demo/requests.json", credentialsFile: "/repo/.data/demo-credentials.json", maildevUrl: "http://127.0.0.1:1080", help: false });
  });
  it("options", () => {
    const a = parseDemoArgs(["--base-url", "http://localhost:9000/", "--timeout=30", "--requests", "/tmp/r.json"], "/repo");
    expect(a).toMatchObject({ baseUrl: "http://localhost:9000", timeoutInSeconds: 30, requestsFile: "/tmp/r.json" });
  });
  it.each([[["--base-url", "ftp://x"]], [["--base-url", "nope"]], [["--timeout", "0"]], [["--timeout", "abc"]], [["--bogus"]], [["positional"]]])("rejects %j", (argv) => {
    expect(() => parseDemoArgs(argv, "/repo")).toThrow(UsageError);
  });
});

describe("parseRegisterPartnerArgs", () => {
  it("file and --rotate", () => {
    expect(parseRegisterPartnerArgs(["/x/p.json", "--rotate"])).toEqual({ file: "/x/p.json", rotate: true, help: false });
    expect(parseRegisterPartnerArgs(["/x/p.json"]).rotate).toBe(false);
    expect(parseRegisterPartnerArgs(["--help"]).help).toBe(true);
  });
  it("requires exactly one file", () => {
    expect(() => parseRegisterPartnerArgs([])).toThrow(/Missing/);
    expect(() => parseRegisterPartnerArgs(["a", "b"])).toThrow(/exactly one/);
    expect(() => parseRegisterPartnerArgs(["a", "--force"])).toThrow(UsageError);
  });
});

describe("output formatting", () => {
  it("progress line", () => {
    const at = new Date("2026-11-21T10:15:42Z");
    expect(formatProgressLine({ at, caseId: "C-1", language: "hu", product: "azure", to: "received" })).toBe("10:15:42  C-1  [hu] azure          received");
    expect(formatProgressLine({ at, caseId: "C-1", language: "ru", product: "microsoft-365", from: "in-diagnosis", to: "escalated-to-microsoft", note: "via signature-cloud-support" })).toBe(
      "10:15:42  C-1  [ru] microsoft-365  in-diagnosis → escalated-to-microsoft  (via signature-cloud-support)",
    );
  });
  it("table and stack summary", () => {
    expect(formatTable([["a", "1"], ["long name", "2"]])).toBe("Service    Where\n---------  -----\na          1\nlong name  2");
    const summary = formatStackSummary({ ports: { blob: 10000, queue: 10001, table: 10002, smtp: 1025, web: 1080, host: 7071 }, credentialsFile: ".data/demo-credentials.json", registeredNow: true });
    for (const s of ["127.0.0.1:10000 / 10001 / 10002", "http://127.0.0.1:1080", "http://127.0.0.1:7071", "http://127.0.0.1:7071/api/health", ".data/demo-credentials.json"]) expect(summary).toContain(s);
  });
  it("curl example quotes for a POSIX shell", () => {
    expect(formatCurlExample("http://127.0.0.1:7071", "duna-cloud-budapest", "csp_abc", "C 1")).toBe("curl -s -H 'x-api-key: csp_abc' 'http://127.0.0.1:7071/api/partners/duna-cloud-budapest/support-requests/C%201'");
    expect(formatCurlExample("http://h", "p", "it's")).toContain(`'x-api-key: it'\\''s'`);
  });
});
