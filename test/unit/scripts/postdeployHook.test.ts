/**
 * infra/hooks/postdeploy.sh, the azd hook that subscribes the inbound-email container to the
 * ProcessInboundEmail blob trigger, run by `sh` with a stand-in `az` on the PATH that records its
 * arguments (no Azure here): it waits for the blobs_extension system key, then creates the Event
 * Grid subscription to the blobs webhook of the app's default host name, for BlobCreated in that
 * container only. The PowerShell twin (postdeploy.ps1) mirrors it; no PowerShell here to run it.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { findProjectRoot } from "../../../scripts/lib/partners";

const hook = path.join(findProjectRoot(__dirname), "infra", "hooks", "postdeploy.sh");
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "postdeploy-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Writes a stand-in `az`: `functionapp keys list` answers empty `emptyAnswers` times, then the key; every call is logged one argument per line. */
function fakeAz(emptyAnswers: number): string {
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  fs.writeFileSync(
    path.join(bin, "az"),
    `#!/bin/sh
printf '%s\\n' "CALL" "$@" >> "${dir}/az.log"
if [ "$1 $2 $3" = "functionapp keys list" ]; then
  n=$(cat "${dir}/count" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "${dir}/count"
  if [ "$n" -gt ${emptyAnswers} ]; then echo "blobs-key-123"; fi
fi
exit 0
`,
    { mode: 0o755 },
  );
  return bin;
}

function run(bin: string, env: Record<string, string>): ReturnType<typeof spawnSync> {
  return spawnSync("sh", [hook], { encoding: "utf8", env: { PATH: `${bin}:/usr/bin:/bin`, POSTDEPLOY_KEY_WAIT_SECONDS: "0", ...env } });
}

const azdEnv = {
  AZURE_FUNCTION_APP_NAME: "func-k3xq7abc",
  RESOURCE_GROUP: "rg-csp",
  INBOUND_EMAIL_SYSTEM_TOPIC_NAME: "evgt-k3xq7abc",
  INBOUND_EMAIL_CONTAINER_NAME: "inbound-email",
  SERVICE_API_BASE_URL: "https://func-k3xq7abc-h3f2a.westeurope-01.azurewebsites.net",
};

describe("postdeploy hook (sh)", () => {
  it("waits for the blobs_extension key, then subscribes BlobCreated in inbound-email/ to the app's blobs webhook", () => {
    const result = run(fakeAz(2), azdEnv);
    expect(result.status).toBe(0);
    const calls = fs.readFileSync(path.join(dir, "az.log"), "utf8").split("CALL\n").filter((c) => c !== "").map((c) => c.trimEnd().split("\n"));
    expect(calls.map((c) => c.slice(0, 3).join(" "))).toEqual(["functionapp keys list", "functionapp keys list", "functionapp keys list", "eventgrid system-topic event-subscription"]);
    const create = calls[3]!;
    const arg = (flag: string): string | undefined => create[create.indexOf(flag) + 1];
    expect(arg("--resource-group")).toBe("rg-csp");
    expect(arg("--system-topic-name")).toBe("evgt-k3xq7abc");
    expect(arg("--endpoint-type")).toBe("webhook");
    expect(arg("--endpoint")).toBe("https://func-k3xq7abc-h3f2a.westeurope-01.azurewebsites.net/runtime/webhooks/blobs?functionName=Host.Functions.ProcessInboundEmail&code=blobs-key-123");
    expect(arg("--included-event-types")).toBe("Microsoft.Storage.BlobCreated");
    // Not inbound-email-quarantine, which shares the prefix.
    expect(arg("--subject-begins-with")).toBe("/blobServices/default/containers/inbound-email/blobs/");
    expect(result.stdout).toContain("Event Grid subscription inbound-email-to-function");
  });

  it("fails naming a missing azd output, before calling az", () => {
    const bin = fakeAz(0);
    const { SERVICE_API_BASE_URL: _omitted, ...rest } = azdEnv;
    // A stand-in azd that knows nothing.
    fs.writeFileSync(path.join(bin, "azd"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
    const result = run(bin, rest);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("SERVICE_API_BASE_URL is not set");
    expect(fs.existsSync(path.join(dir, "az.log"))).toBe(false);
  });

  it("gives up with a message when the key never appears", () => {
    const result = run(fakeAz(1000), azdEnv);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("has no blobs_extension system key");
    expect(fs.readFileSync(path.join(dir, "az.log"), "utf8")).not.toContain("eventgrid");
  });
});
