/**
 * `npm run start:deps`: what the app needs beside its host, for running it with Azure Functions
 * Core Tools (`func start`): Azurite (127.0.0.1:10000-10002, state in .data/azurite), MailDev
 * (SMTP 1025, web UI http://127.0.0.1:1080), the SMTP intake (2525), the demo partners registered on
 * first run (credentials in .data/demo-credentials.json, mode 0600), and local.settings.json
 * pointing at them, with the local key encryption key the partners' secrets are sealed with.
 * Runs until Ctrl-C; then `func start` (another terminal) and `npm run demo` (a third) work as with
 * `npm start`.
 */
import path from "node:path";
import { runInForeground } from "./lib/foreground";
import { prepareLocalSettings, readLocalSettingsValues } from "./lib/localSettings";
import { findProjectRoot } from "./lib/partners";
import { buildHostEnv, DEFAULT_STACK_PORTS, ensureLocalSecretsKey, startDependencies, type RunningDependencies } from "./lib/stack";

async function main(): Promise<void> {
  const root = findProjectRoot();
  const dataDir = path.join(root, ".data");
  const settingsFile = path.join(root, "local.settings.json");
  // The key the host will unseal secrets with: the one local.settings.json already has, else .data's.
  const secretsKey = readLocalSettingsValues(settingsFile).SECRETS_LOCAL_KEYS || process.env.SECRETS_LOCAL_KEYS || ensureLocalSecretsKey(dataDir);
  const update = prepareLocalSettings(settingsFile, path.join(root, "local.settings.example.json"), { ...buildHostEnv(DEFAULT_STACK_PORTS), SECRETS_LOCAL_KEYS: secretsKey });
  if (update.created) console.log(`Wrote ${path.relative(process.cwd(), update.file) || update.file} (mode 0600) from local.settings.example.json.`);
  else if (update.set.length > 0) console.log(`Set ${update.set.join(", ")} in ${update.file}.`);
  for (const d of update.differing) console.warn(`Note: local.settings.json sets ${d.key}=${d.key === "SECRETS_LOCAL_KEYS" ? "…" : d.value}; the local services expect ${d.key === "SECRETS_LOCAL_KEYS" ? "another key" : d.wanted}.`);

  await runInForeground(
    (signal, onUnexpectedExit) => startDependencies({ dataDir, env: { SECRETS_LOCAL_KEYS: secretsKey }, signal, onUnexpectedExit }),
    (deps: RunningDependencies) => {
      console.log("");
      console.log(`Azurite 127.0.0.1:${deps.ports.blob}/${deps.ports.queue}/${deps.ports.table}, MailDev ${deps.urls.maildev} (SMTP ${deps.ports.smtp}), SMTP intake ${deps.urls.smtpIntake}.`);
      console.log(`Demo partner credentials: ${path.relative(process.cwd(), deps.credentialsFile) || deps.credentialsFile}`);
      console.log("");
      console.log("Now, in another terminal:  npm run build && func start");
      console.log("Then, in a third:          npm run demo");
      console.log("Stop: Ctrl-C");
    },
  );
}

void main();
