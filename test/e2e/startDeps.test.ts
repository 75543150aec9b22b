/**
 * The README's `func start` recipe: `npm run start:deps` starts Azurite, MailDev and the SMTP
 * intake, registers the demo partners and writes local.settings.json; a host started separately
 * with exactly that file's settings then serves the app: health 200 (storage and mail reachable),
 * and a demo partner's signed request runs to its acknowledgement, emailed through MailDev (the
 * partner's webhook secret was sealed with the key the file gives the host).
 *
 * Core Tools cannot be installed here: the separately started host is this repository's local
 * host (`node emulator/dist/cli.js`), given the file's `Values` as its environment, which is how
 * `func start` applies local.settings.json. On free ports with a temporary settings file, so a
 * developer's own local.settings.json and stack are not touched.
 *
 * Needs `dist/` (`npm test` builds first).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { prepareLocalSettings, readLocalSettingsValues } from "../../scripts/lib/localSettings";
import { findProjectRoot } from "../../scripts/lib/partners";
import { exitWithParentNodeArgs, ProcessSupervisor, waitForUrl } from "../../scripts/lib/processes";
import { buildHostEnv, ensureLocalSecretsKey, type RunningDependencies } from "../../scripts/lib/stack";
import { CaseDriver } from "../support/caseDriver";
import { startTestDependencies, type TestStack } from "../support/e2eStack";

jest.setTimeout(4 * 60_000);

const root = findProjectRoot();
const PARTNER = "wisla-it-warszawa";
const log: string[] = [];
const supervisor = new ProcessSupervisor();
let settingsDir: string;
let settingsFile: string;
let deps: TestStack<RunningDependencies> | undefined;

beforeAll(async () => {
  settingsDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-func-start-"));
  settingsFile = path.join(settingsDir, "local.settings.json");
  const secretsKey = ensureLocalSecretsKey(settingsDir);
  deps = await startTestDependencies("deps", log, { env: { SECRETS_LOCAL_KEYS: secretsKey } });
  // What start:deps writes for the ports its services listen on.
  prepareLocalSettings(settingsFile, path.join(root, "local.settings.example.json"), { ...buildHostEnv(deps.stack.ports), SECRETS_LOCAL_KEYS: secretsKey });
  // "func start": the host with the file's settings, on the port the services expect it on.
  const { ports } = deps.stack;
  const host = supervisor.spawn({
    name: "host",
    command: process.execPath,
    args: [...exitWithParentNodeArgs(root), path.join(root, "emulator", "dist", "cli.js"), "--port", String(ports.host), "--rpc-port", String(ports.durableRpc)],
    cwd: root,
    env: { ...process.env, ...readLocalSettingsValues(settingsFile) },
    output: (line) => log.push(line),
    exitWithParent: true,
  });
  await waitForUrl(deps.stack.urls.health, { timeoutInMs: 60_000, process: host }).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}\n${log.slice(-40).join("\n")}`);
  });
});

afterAll(async () => {
  await supervisor.stopAll();
  await deps?.stop();
  if (settingsDir) fs.rmSync(settingsDir, { recursive: true, force: true });
});

describe("npm run start:deps, then a separately started host", () => {
  it("wrote local.settings.json pointing at the services, with the key the partners were sealed with, mode 0600", () => {
    const values = readLocalSettingsValues(settingsFile);
    expect(values.SMTP_PORT).toBe(String(deps!.stack.ports.smtp));
    expect(values.AzureWebJobsStorage).toContain(`TableEndpoint=http://127.0.0.1:${deps!.stack.ports.table}/devstoreaccount1`);
    expect(values.SECRETS_LOCAL_KEYS).toMatch(/^local1:/);
    expect(values.TASK_HUB_NAME).toBe("CspSupportHub");
    expect(fs.statSync(settingsFile).mode & 0o777).toBe(0o600);
    expect(deps!.stack.credentials?.partners[PARTNER]).toBeDefined();
  });

  it("the host reports healthy storage and mail", async () => {
    const res = await fetch(deps!.stack.urls.health);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "healthy" });
  });

  it("a demo partner's request runs to its acknowledgement, mailed through MailDev", async () => {
    const driver = new CaseDriver(deps!.stack);
    const c = await driver.submit(PARTNER, "func-start@contoso.example", "Runs under a separately started host");
    await driver.acknowledged(c, Date.now() + 2 * 60_000);
    expect((await driver.caughtEmailsTo("func-start@contoso.example")).map((m) => m.subject)).toEqual([expect.stringContaining(`[Case #${c.caseId}]`)]);
  });
});
