/**
 * The app's `appTerminate` hook (functions/lifecycle.ts, registered through the local
 * @azure/functions-core the Jest config maps) closes the process-wide container's SMTP pool: a real
 * SMTP server (smtp-server on a free loopback port) sees the pooled connection end when
 * the hook runs, instead of the pool holding it for its idle period (30 s).
 */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { getHooks } from "@csp-support/local-host/worker";
import { generateLocalKeyEntry } from "../../../shared/adapters/localKeyEncryptionKeys";
import { closeContainer, getContainer } from "../../../shared/container";
import "../../../functions/lifecycle";
import { emailMessage } from "../../support/builders";
import { waitUntil } from "../../support/wait";

let open = 0;
let server: SMTPServer;

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    disableReverseLookup: true,
    logger: false,
    onConnect(_session, callback) {
      open++;
      callback();
    },
    onClose() {
      open--;
    },
    onData(stream, _session, callback) {
      stream.resume();
      stream.on("end", () => callback());
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // The process-wide configuration this worker's container is built from, as the host's app settings.
  Object.assign(process.env, {
    AzureWebJobsStorage: process.env.AZURE_STORAGE_CONNECTION_STRING,
    TASK_HUB_NAME: "LifecycleHub",
    TABLE_PREFIX: `life${Date.now().toString(36)}`,
    PUBLIC_BASE_URL: "http://127.0.0.1:7071",
    SECRETS_LOCAL_KEYS: generateLocalKeyEntry("test"),
    EMAIL_PROVIDER: "smtp",
    SMTP_HOST: "127.0.0.1",
    SMTP_PORT: String((server.server.address() as AddressInfo).port),
  });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

it("a hook run before any container was built does nothing and does not throw", () => {
  expect(() => closeContainer()).not.toThrow();
});

it("registers one appTerminate hook that closes the open SMTP pool", async () => {
  const hooks = getHooks("appTerminate");
  expect(hooks).toHaveLength(1);
  await getContainer().emailSender.send(emailMessage("Before terminate"));

  expect(open).toBe(1); // the pool keeps the connection for the next email
  await hooks[0]?.({ hookData: {}, appHookData: {} });
  await waitUntil(() => open === 0, 5000, "the pool's connection to close");
  expect(open).toBe(0);
});

