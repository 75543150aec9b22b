/**
 * `npm start`: runs the whole local stack — Azurite (127.0.0.1:10000-10002, state in .data/azurite),
 * MailDev (SMTP 1025, web UI and REST API http://127.0.0.1:1080), the demo partners registered on
 * first run (credentials in .data/demo-credentials.json, mode 0600) and the local Functions host
 * (http://127.0.0.1:7071) — until Ctrl-C/SIGTERM, then stops every child process group. Exits
 * non-zero when startup fails or a child exits unexpectedly. Killed any other way (SIGKILL, a
 * crash), its children notice and exit by themselves (scripts/lib/exitWithParent.ts).
 */
import path from "node:path";
import { formatStackSummary } from "./lib/cli";
import { runInForeground } from "./lib/foreground";
import { findProjectRoot } from "./lib/partners";
import { startStack, type RunningStack } from "./lib/stack";

/** Settings the user may set to override the stack's defaults for the host. */
const OVERRIDABLE = ["AzureWebJobsStorage", "EMAIL_PROVIDER", "SMTP_HOST", "SMTP_PORT", "PUBLIC_BASE_URL"] as const;

async function main(): Promise<void> {
  const root = findProjectRoot();
  const env = Object.fromEntries(OVERRIDABLE.filter((k) => process.env[k]).map((k) => [k, process.env[k]]));
  await runInForeground(
    (signal, onUnexpectedExit) => startStack({ dataDir: path.join(root, ".data"), env, signal, onUnexpectedExit }),
    (stack: RunningStack) => {
      console.log("");
      console.log(formatStackSummary({ ports: stack.ports, credentialsFile: path.relative(process.cwd(), stack.credentialsFile) || stack.credentialsFile, registeredNow: stack.registeredPartnerIds.length > 0 }));
      console.log(`Email intake (SMTP, mail to the partners' support addresses): ${stack.urls.smtpIntake}  (docs/email-intake.md)`);
      if (stack.registeredPartnerIds.length > 0) {
        console.log(`New credentials for ${stack.registeredPartnerIds.join(", ")} are in ${stack.credentialsFile} (readable by you only); they are not printed.`);
      }
    },
  );
}

void main();
