/**
 * `npm run demo` (the app running, e.g. with `npm start`): submits every request of
 * test/fixtures/demo/requests.json through the signed webhook, plays each request's partner
 * actions, prints a line whenever a case changes status and waits until every case reaches its
 * expected end state (default timeout 4 minutes). Exit code 0 when all did, 1 otherwise, 2 on
 * bad usage or missing prerequisites.
 */
import { caseOf, describeAction, evaluateOutcome, isSettled, isWaitSatisfied, ApiError, DemoApiClient, type CaseOutcome, type CaseView } from "./lib/demoRunner";
import { formatCurlExample, formatProgressLine, formatTable, parseDemoArgs, DEMO_USAGE, UsageError, type DemoArgs } from "./lib/cli";
import { describeCoverage, loadDemoRequests, FixtureValidationError, type DemoRequest } from "./lib/fixtures";
import { findProjectRoot, readCredentialsFile, type DemoCredentialsFile } from "./lib/partners";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One submitted case and what the demo knows about it. */
interface Tracked {
  request: DemoRequest;
  caseId: string;
  apiKey: string;
  last?: CaseView;
  lastStatus?: string;
  failure?: string;
}

/** Prints a progress line when the status of a case changed. */
function observe(tracked: Tracked, view: CaseView): void {
  tracked.last = view;
  const sr = caseOf(view);
  if (sr.status === tracked.lastStatus) return;
  const note = sr.escalation && sr.escalation.target !== "none" ? `escalated to ${sr.escalation.target}${sr.escalation.vehicle ? ` via ${sr.escalation.vehicle}` : ""}` : undefined;
  console.log(
    formatProgressLine({
      at: new Date(),
      caseId: tracked.caseId,
      language: tracked.request.request.customer.preferredLanguage,
      product: tracked.request.request.product,
      from: tracked.lastStatus as never,
      to: sr.status,
      note,
    }),
  );
  tracked.lastStatus = sr.status;
}

/** Plays the partner actions of one case, then waits for it to settle; never throws. */
async function play(client: DemoApiClient, tracked: Tracked, args: DemoArgs, deadline: number): Promise<void> {
  const { partnerId } = tracked.request;
  const refresh = async () => {
    const view = await client.getCase(partnerId, tracked.apiKey, tracked.caseId);
    observe(tracked, view);
    return view;
  };
  const pollUntil = async (done: (v: CaseView) => boolean, limit = deadline): Promise<CaseView | undefined> => {
    for (;;) {
      try {
        const view = await refresh();
        if (done(view)) return view;
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 404)) throw e; // 404 right after intake: not stored yet
      }
      if (Date.now() > limit) return undefined;
      await sleep(args.pollIntervalInMs);
    }
  };
  try {
    for (const action of tracked.request.partnerActions) {
      if ("wait" in action || "waitForStatus" in action) {
        const seen = await pollUntil((v) => isWaitSatisfied(action, v));
        if (!seen) throw new Error(`timed out during "${describeAction(action)}"`);
        console.log(`          ${tracked.caseId}  ✓ ${describeAction(action)}`);
        if ("wait" in action) {
          // A breach usually escalates: show that status before the next step, at most 10 s.
          const status = caseOf(seen).status;
          await pollUntil((v) => caseOf(v).status !== status, Math.min(deadline, Date.now() + 10000));
        }
        continue;
      }
      const before = (await pollUntil(() => true)) as CaseView;
      const kind = "diagnosis" in action ? "diagnosis" : "resolution";
      const body = "diagnosis" in action ? action.diagnosis : action.resolution;
      // 409 while the workflow has not reached the state that accepts the action yet: retry.
      for (;;) {
        try {
          await client.act(partnerId, tracked.apiKey, tracked.caseId, kind, body);
          break;
        } catch (e) {
          if (!(e instanceof ApiError && e.status === 409) || Date.now() > deadline) throw e;
          await sleep(args.pollIntervalInMs);
        }
      }
      console.log(`          ${tracked.caseId}  → partner recorded ${describeAction(action)}`);
      // Let the workflow apply it before the next step (status or timeline changes), at most 30 s.
      const beforeStatus = caseOf(before).status;
      const beforeEntries = before.timeline?.length ?? 0;
      await pollUntil((v) => caseOf(v).status !== beforeStatus || (v.timeline?.length ?? 0) > beforeEntries, Math.min(deadline, Date.now() + 30000));
    }
    if (!(await pollUntil(isSettled))) throw new Error(`timed out in status ${tracked.lastStatus ?? "unknown"}`);
  } catch (e) {
    tracked.failure = (e as Error).message;
  }
}

async function main(): Promise<number> {
  const root = findProjectRoot();
  let args: DemoArgs;
  try {
    args = parseDemoArgs(process.argv.slice(2), root);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n${DEMO_USAGE}`);
      return 2;
    }
    throw e;
  }
  if (args.help) {
    console.log(DEMO_USAGE);
    return 0;
  }
  let credentials: DemoCredentialsFile | undefined;
  try {
    credentials = readCredentialsFile(args.credentialsFile);
  } catch (e) {
    console.error(`Cannot read ${args.credentialsFile}: ${(e as Error).message}`);
    return 2;
  }
  if (!credentials) {
    console.error(`No demo credentials at ${args.credentialsFile}. Start the app with "npm start" first: it registers the demo partners and writes them there.`);
    return 2;
  }
  let requests: DemoRequest[];
  try {
    requests = loadDemoRequests(args.requestsFile, new Set(Object.keys(credentials.partners)));
  } catch (e) {
    if (e instanceof FixtureValidationError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
  // Over the API key's rate the app answers 429 with Retry-After: say so instead of seeming stuck.
  const client = new DemoApiClient(args.baseUrl, fetch, { onWait: (ms) => console.log(`          (rate limited by the app: waiting ${Math.ceil(ms / 1000)} s as its Retry-After asks)`) });
  try {
    const status = await client.health();
    if (status !== 200) console.warn(`Warning: ${args.baseUrl}/api/health answered ${status}; continuing.`);
  } catch (e) {
    console.error(`The app does not answer at ${args.baseUrl} (${(e as Error).message}). Start it with "npm start" or pass --base-url.`);
    return 2;
  }

  const coverage = describeCoverage(requests);
  console.log(`Demo: ${requests.length} requests · languages ${coverage.languages.join(", ")} · products ${coverage.products.join(", ")} · categories ${coverage.categories.join(", ")}`);
  const deadline = Date.now() + args.timeoutInSeconds * 1000;
  const tracked: Tracked[] = [];
  for (const request of requests) {
    const partner = credentials.partners[request.partnerId];
    if (!partner) continue; // loadDemoRequests checked the ids
    const { request: body } = request;
    try {
      const accepted = await client.submit(request.partnerId, partner.webhookSecret, body);
      console.log(`Submitted ${accepted.caseId}  ${request.partnerId}  [${body.customer.preferredLanguage}] ${body.product} · ${body.category} · severity ${body.severity}: ${body.title}`);
      tracked.push({ request, caseId: accepted.caseId, apiKey: partner.apiKey });
    } catch (e) {
      console.error(`Submitting "${body.title}" to ${request.partnerId} failed: ${(e as Error).message}`);
      tracked.push({ request, caseId: "(not created)", apiKey: partner.apiKey, failure: `submission failed: ${(e as Error).message}` });
    }
  }
  console.log("");
  await Promise.all(tracked.filter((t) => !t.failure).map((t) => play(client, t, args, deadline)));

  const outcomes: Array<[Tracked, CaseOutcome]> = tracked.map((t) => {
    const outcome = evaluateOutcome(t.request, t.last);
    if (t.failure) outcome.problems.unshift(t.failure);
    return [t, { ...outcome, ok: outcome.problems.length === 0 }];
  });
  console.log("");
  console.log(
    formatTable(
      outcomes.map(([t, o]) => [
        `${t.caseId} [${t.request.request.customer.preferredLanguage}] ${t.request.request.product}`,
        `${o.ok ? "OK  " : "FAIL"} ${t.last ? caseOf(t.last).status : "-"}${o.problems.length ? ` — ${o.problems.join("; ")}` : ""}${o.warnings.length ? ` (note: ${o.warnings.join("; ")})` : ""}`,
      ]),
      ["Case", "Result"],
    ),
  );
  const first = tracked.find((t) => t.caseId !== "(not created)");
  console.log("");
  console.log(`Emails sent to the customers (every language): ${args.maildevUrl}`);
  console.log("Case status, timeline, SLA and orchestration per partner (x-api-key from the credentials file):");
  for (const partnerId of [...new Set(tracked.map((t) => t.request.partnerId))]) {
    console.log(`  ${args.baseUrl}/api/partners/${partnerId}/support-requests`);
  }
  if (first) {
    console.log(`Example:\n  ${formatCurlExample(args.baseUrl, first.request.partnerId, first.apiKey, first.caseId)}`);
    console.log(`  (API keys: ${args.credentialsFile})`);
  }
  const failed = outcomes.filter(([, o]) => !o.ok).length;
  if (failed > 0) {
    console.error(`\n${failed} of ${outcomes.length} cases did not reach their expected end state${Date.now() > deadline ? ` within ${args.timeoutInSeconds} s` : ""}.`);
    return 1;
  }
  console.log(`\nAll ${outcomes.length} cases reached their expected end state.`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exitCode = 1;
  },
);
