/**
 * The real-world corpus (test/fixtures/email/real-world) through the whole intake pipeline on
 * Azurite, twice in fresh tables: in reverse file order one at a time, and shuffled eight at a
 * time (as concurrent blob triggers run). Every delivery ends in exactly one
 * inbound log entry; the outcome of every distinct message is the same whatever the order; bounces
 * never become requests; a Message-ID reused by different messages is flagged on every delivery.
 */
import fs from "node:fs";
import path from "node:path";
import partners from "../../fixtures/demo/partners.json";
import { createContainer, type Container } from "../../../shared/container";
import type { InboundLogEntry, PartnerDefinitionInput } from "../../../shared/contracts";
import { processInboundEmail } from "../../../shared/services/inboundEmail";
import { FakeWorkflow, RecordingSender, testConfig } from "../app/helpers";

const DIR = path.join(__dirname, "..", "..", "fixtures", "email", "real-world");
const expected = JSON.parse(fs.readFileSync(path.join(DIR, "expected.json"), "utf8")) as { partnerId: string; messages: Record<string, { outcome: string; language?: string }> };
const FILES = Object.keys(expected.messages).sort();
const PARTNER = expected.partnerId;

interface Run {
  container: Container;
  workflow: FakeWorkflow;
  /** Log entries by file. */
  entries: Map<string, InboundLogEntry>;
}

/** Deterministic shuffle (mulberry32), so a failure can be replayed. */
function shuffled<T>(list: readonly T[], seed: number): T[] {
  const out = [...list];
  let a = seed;
  const rnd = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function run(name: string, order: readonly string[], concurrency: number): Promise<Run> {
  const workflow = new FakeWorkflow();
  const container = createContainer(testConfig(`ord${name}`, { INBOUND_ACK_MAX_PER_HOUR: "1000" }), { emailSender: new RecordingSender(), createWorkflow: () => workflow });
  for (const p of partners as unknown as PartnerDefinitionInput[]) await container.registerPartner(p);
  const deps = container.inboundEmailDeps(workflow);
  const blobOf = (file: string): string => `${PARTNER}/${name}-${file.replace("/", "--")}`;
  const queue = [...order];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
        await processInboundEmail(deps, { partnerId: PARTNER, blobName: blobOf(file), raw: fs.readFileSync(path.join(DIR, file)) });
      }
    }),
  );
  const entries = new Map<string, InboundLogEntry>();
  const byBlob = new Map(FILES.map((f) => [blobOf(f), f]));
  let token: string | undefined;
  do {
    const page = await container.inboundLog.listLog(PARTNER, { limit: 100, ...(token ? { continuationToken: token } : {}) });
    for (const e of page.items) {
      const file = byBlob.get(e.blobName);
      if (!file) throw new Error(`log entry for an unknown blob ${e.blobName}`);
      if (entries.has(file)) throw new Error(`two log entries for ${file}`);
      entries.set(file, e);
    }
    token = page.continuationToken;
  } while (token);
  return { container, workflow, entries };
}

/** What must not depend on the order, per distinct message (intake key): the outcomes of its deliveries. */
function canonical(r: Run): Record<string, string> {
  const groups = new Map<string, string[]>();
  for (const e of r.entries.values()) {
    const facts = e.outcome === "duplicate" ? "duplicate" : [e.outcome, e.reason ?? "", e.language?.language ?? "", e.language?.source ?? "", [...e.flags].sort().join("+")].join("|");
    groups.set(e.intakeKey, [...(groups.get(e.intakeKey) ?? []), facts]);
  }
  const keys = [...groups.keys()].sort();
  return Object.fromEntries(keys.map((k) => [k, (groups.get(k) ?? []).sort().join(" ; ")]));
}

let runs: Run[];

beforeAll(async () => {
  runs = [await run("a", [...FILES].reverse(), 1), await run("b", shuffled(FILES, 20260302), 8)];
}, 600000);

describe("real-world corpus through the pipeline", () => {
  it("every delivery has exactly one inbound log entry", () => {
    for (const r of runs) expect([...r.entries.keys()].sort()).toEqual(FILES);
  });

  it("each message lands where expected.json says (a second delivery of the same content is a duplicate)", () => {
    for (const r of runs) {
      for (const file of FILES) {
        const e = r.entries.get(file)!;
        const want = expected.messages[file]!;
        if (e.outcome === "duplicate") {
          // The first delivery of the same content landed where this one is expected to.
          const first = [...r.entries.values()].find((x) => x.blobName === e.duplicateOf)!;
          expect({ file, outcome: first.outcome }).toEqual({ file, outcome: want.outcome });
          continue;
        }
        expect({ file, outcome: e.outcome }).toEqual({ file, outcome: want.outcome });
        if (want.language) expect({ file, language: e.language?.language }).toEqual({ file, language: want.language });
      }
    }
  });

  it("outcomes are the same in reverse order one at a time and shuffled concurrently", () => {
    const [a, b] = runs.map(canonical);
    expect(Object.keys(a!).length).toBeGreaterThan(300);
    expect(b).toEqual(a);
  });

  it("only new requests start workflows; bounces and auto-replies never do", () => {
    for (const r of runs) {
      const created = [...r.entries.values()].filter((e) => e.outcome === "new").map((e) => e.caseId).sort();
      expect(r.workflow.started.map((s) => s.caseId).sort()).toEqual(created);
      expect([...r.entries.values()].filter((e) => e.outcome === "bounce").every((e) => !r.workflow.started.some((s) => s.caseId === e.caseId))).toBe(true);
    }
  });

  it("a Message-ID reused by different messages is flagged on every delivery; the same content delivered twice is a duplicate, not a reuse", () => {
    for (const r of runs) {
      const hashes = new Map<string, Set<string>>();
      for (const e of r.entries.values()) hashes.set(e.messageId, (hashes.get(e.messageId) ?? new Set()).add(e.contentHash));
      for (const [file, e] of r.entries) {
        const reused = (hashes.get(e.messageId)?.size ?? 0) > 1;
        expect({ file, flagged: e.flags.includes("message-id-reused") }).toEqual({ file, flagged: reused });
      }
      const duplicates = [...r.entries.values()].filter((e) => e.outcome === "duplicate").length;
      const distinct = new Set([...r.entries.values()].map((e) => e.intakeKey)).size;
      expect(duplicates).toBe(FILES.length - distinct);
      expect(duplicates).toBeGreaterThan(0);
    }
  });

  it("the inbound log is searchable: by outcome, sender, Message-ID, case, flag and time", async () => {
    const r = runs[0]!;
    const all = [...r.entries.values()];
    const bounces = await r.container.inboundLog.listLog(PARTNER, { outcomes: ["bounce"], limit: 100 });
    expect(bounces.items.length).toBeGreaterThan(0);
    expect(bounces.items.every((e) => e.outcome === "bounce")).toBe(true);
    const someNew = all.find((e) => e.outcome === "new" && e.from !== "")!;
    const byFrom = await r.container.inboundLog.listLog(PARTNER, { from: someNew.from.toUpperCase(), limit: 100 });
    expect(byFrom.items.map((e) => e.blobName).sort()).toEqual(all.filter((e) => e.from === someNew.from).map((e) => e.blobName).sort());
    const byCase = await r.container.inboundLog.listLog(PARTNER, { caseId: someNew.caseId!, limit: 100 });
    expect(byCase.items.map((e) => e.blobName)).toContain(someNew.blobName);
    const reused = all.find((e) => e.flags.includes("message-id-reused"))!;
    const byId = await r.container.inboundLog.listLog(PARTNER, { messageId: reused.messageId, flag: "message-id-reused", limit: 100 });
    expect(byId.items.length).toBe(all.filter((e) => e.messageId === reused.messageId).length);
    const future = await r.container.inboundLog.listLog(PARTNER, { since: new Date(Date.now() + 3_600_000).toISOString() });
    expect(future.items).toEqual([]);
    const past = await r.container.inboundLog.listLog(PARTNER, { until: "2000-01-01T00:00:00Z" });
    expect(past.items).toEqual([]);
    const window = await r.container.inboundLog.listLog(PARTNER, { since: "2000-01-01T00:00:00Z", limit: 5 });
    expect(window.items).toHaveLength(5);
  });
});
