/**
 * A customer follows and answers a request from the link in the acknowledgement, on the `npm start`
 * stack (local host, Durable engine, Azurite, MailDev): the signed intake creates the request; the
 * acknowledgement in MailDev links the status page; the partner asks for information (the case
 * waits on the customer and its resolution clock pauses); the customer replies with the page's
 * form (303), which the workflow takes as the customer's response (back to the partner, the clock
 * resumes); after the resolution the customer rates it, and the partner sees the rating.
 */
import path from "node:path";
import type { RunningStack } from "../../scripts/lib/stack";
import { DemoApiClient } from "../../scripts/lib/demoRunner";
import { loadDemoRequests } from "../../scripts/lib/fixtures";
import { startTestStack, type TestStack } from "../support/e2eStack";

jest.setTimeout(5 * 60_000);

const ROOT = path.join(__dirname, "..", "..");
const OWNER = "duna-cloud-budapest";
const demo = loadDemoRequests(path.join(ROOT, "test", "fixtures", "demo", "requests.json")).find((d) => d.partnerId === OWNER && (d.request as { customer: { preferredLanguage?: string } }).customer.preferredLanguage === "hu");

let testStack: TestStack;
let stack: RunningStack;
let client: DemoApiClient;
const hostLog: string[] = [];

async function eventually<T>(read: () => Promise<T>, check: (value: T) => void, timeoutInMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutInMs;
  for (;;) {
    const value = await read();
    try {
      check(value);
      return value;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function apiKey(): string {
  const c = stack.credentials?.partners[OWNER];
  if (!c) throw new Error(`no credentials for ${OWNER}`);
  return c.apiKey;
}

interface Detail {
  case: { status: string; satisfaction?: { rating: number; comment?: string } };
  slaEvents: Array<{ metric: string; type: string }>;
}

async function detail(caseId: string): Promise<Detail> {
  return (await client.getCase(OWNER, apiKey(), caseId)) as unknown as Detail;
}

async function postForm(url: string, form: Record<string, string>): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form).toString(), redirect: "manual" });
}

beforeAll(async () => {
  testStack = await startTestStack("status-page", hostLog);
  stack = testStack.stack;
  client = new DemoApiClient(stack.urls.app);
});

afterAll(async () => {
  await testStack?.stop();
});

describe("a customer follows and answers a request from the acknowledgement's link", () => {
  it("replies on the page (the paused clock resumes) and rates the resolution", async () => {
    if (!demo) throw new Error("no Hungarian demo request of duna-cloud-budapest");
    const creds = stack.credentials!.partners[OWNER]!;
    const { caseId } = await client.submit(OWNER, creds.webhookSecret, demo.request);

    const ack = await eventually(
      async () => ((await (await fetch(`${stack.urls.maildev}/email`)).json()) as Array<{ subject: string; text: string }>).find((e) => e.subject.includes(caseId)),
      (e) => expect(e).toBeDefined(),
    );
    const link = new RegExp(`${stack.urls.app.replace(/[.]/g, "\\.")}/api/status/[A-Za-z0-9_.-]+`).exec(ack!.text)?.[0];
    expect(link).toBeDefined();
    const first = await fetch(link!);
    expect(first.status).toBe(200);
    const page = await first.text();
    expect(page).toContain('<html lang="hu">');
    expect(page).toContain(caseId);

    // The partner asks for information: the case waits on the customer, the resolution clock pauses.
    const asked = await fetch(`${stack.urls.app}/api/partners/${OWNER}/support-requests/${caseId}/information-requests`, { method: "POST", headers: { "x-api-key": apiKey(), "content-type": "application/json" }, body: JSON.stringify({ message: "Melyik előfizetésről van szó?" }) });
    expect(asked.status).toBe(202);
    await eventually(() => detail(caseId), (d) => expect(d.case.status).toBe("awaiting-customer"));

    const waiting = await (await fetch(link!)).text();
    // The partner's question is on the page, under the status it came with.
    expect(waiting).toMatch(/<li data-kind="message">.*<blockquote>Melyik előfizetésről van szó\?<\/blockquote><\/li>/);
    const nonce = /name="nonce" value="([^"]+)"/.exec(waiting)?.[1] ?? "";
    const replied = await postForm(`${link!}/reply`, { nonce, message: "A Contoso-Prod előfizetésről." });
    expect(replied.status).toBe(303);
    const after = await eventually(() => detail(caseId), (d) => expect(d.case.status).toBe("in-diagnosis"));
    expect(after.slaEvents.some((e) => e.metric === "resolution" && e.type === "resume")).toBe(true);
    const shown = await (await fetch(`${link!}?done=replied`)).text();
    expect(shown).toContain("A Contoso-Prod előfizetésről.");

    await client.act(OWNER, apiKey(), caseId, "resolution", { summary: "Az előfizetés beállítása javítva." });
    await eventually(() => detail(caseId), (d) => expect(d.case.status).toBe("resolved"));
    expect(await (await fetch(link!)).text()).toContain("<blockquote>Az előfizetés beállítása javítva.</blockquote>");
    const rated = await postForm(`${link!}/rating`, { rating: "5", comment: "Gyors és világos" });
    expect(rated.status).toBe(303);
    expect((await detail(caseId)).case.satisfaction).toMatchObject({ rating: 5, comment: "Gyors és világos" });
  });
});
