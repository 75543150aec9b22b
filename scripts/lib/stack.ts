/**
 * The local stack: Azurite, MailDev and the local Functions host as child processes (each ends
 * when this process dies, see scripts/lib/exitWithParent.ts), with the demo partners registered
 * on first run. Used by `npm start` (default ports, `.data/`) and by
 * end-to-end tests (free ports, a temporary data directory, host restarts).
 */
import fs from "node:fs";
import path from "node:path";
import { generateLocalKeyEntry } from "../../shared/adapters/localKeyEncryptionKeys";
import { azuriteConnectionString } from "../../test/support/azurite";
import { loadConfig } from "../../shared/config";
import { createContainer } from "../../shared/container";
import { startSmtpIntake, type SmtpIntake } from "./smtpIntake";
import { loadPartnerDefinitions } from "./fixtures";
import { applyLocalSettings } from "@csp-support/local-host/settings";
import { ensureDemoPartners, findProjectRoot, loadPartnerRegistrar, type DemoCredentialsFile, type PartnerRegistrar } from "./partners";
import { exitWithParentNodeArgs, getFreePorts, ProcessExitedError, ProcessSupervisor, waitForPort, waitForUrl, type ManagedProcess, type ProcessExit, type ProcessOutput } from "./processes";

/** TCP ports of the stack (all on 127.0.0.1). */
export interface StackPorts {
  /** Azurite blob service (default 10000). */
  blob: number;
  /** Azurite queue service (default 10001). */
  queue: number;
  /** Azurite table service (default 10002). */
  table: number;
  /** MailDev SMTP (default 1025). */
  smtp: number;
  /** MailDev web UI and REST API (default 1080). */
  web: number;
  /** Local Functions host HTTP (default 7071). */
  host: number;
  /** Durable local RPC endpoint of the host (`--rpc-port`, default 17071 as the Durable extension). */
  durableRpc: number;
  /** The SMTP intake for the partners' support addresses (default 2525; scripts/lib/smtpIntake.ts). */
  smtpIntake: number;
}

/** The ports `npm start` uses (those of Azurite, MailDev and `func start`). */
export const DEFAULT_STACK_PORTS: Readonly<StackPorts> = { blob: 10000, queue: 10001, table: 10002, smtp: 1025, web: 1080, host: 7071, durableRpc: 17071, smtpIntake: 2525 };

/** Picks a distinct free loopback port for every service (for tests running beside a developer's stack). */
export async function allocateFreePorts(): Promise<StackPorts> {
  return (await allocateFreePortSets(1))[0] as StackPorts;
}

/** Picks free loopback ports for `count` stacks at once, no port in two of them (stacks started side by side). */
export async function allocateFreePortSets(count: number): Promise<StackPorts[]> {
  const all = await getFreePorts(8 * count);
  return Array.from({ length: count }, (_, i) => {
    const [blob, queue, table, smtp, web, host, durableRpc, smtpIntake] = all.slice(8 * i, 8 * i + 8) as [number, number, number, number, number, number, number, number];
    return { blob, queue, table, smtp, web, host, durableRpc, smtpIntake };
  });
}

/** Options of {@link startStack}. */
export interface StartStackOptions {
  /**
   * Directory for state kept across restarts: `azurite/` (storage), `maildev/` (caught emails) and
   * `demo-credentials.json` (mode 0600). Created when missing. `npm start` uses `<repo>/.data`.
   */
  dataDir: string;
  /** Ports; missing ones take {@link DEFAULT_STACK_PORTS}. */
  ports?: Partial<StackPorts>;
  /**
   * Environment of the host on top of the stack's own (`AzureWebJobsStorage`, `EMAIL_PROVIDER=smtp`,
   * `SMTP_HOST`, `SMTP_PORT`, `PUBLIC_BASE_URL`); `undefined` values are ignored.
   */
  env?: Record<string, string | undefined>;
  /**
   * Partner definitions registered on first run (a JSON file: one definition or an array);
   * default `test/fixtures/demo/partners.json`; `false` registers nothing.
   */
  partnersFile?: string | false;
  /** Output of the children; default "prefixed" (labelled lines on this process's stdout/stderr). */
  output?: ProcessOutput;
  /** Messages of the stack itself; default console.log. */
  log?: (message: string) => void;
  /** Extra arguments for the host CLI (after `--port <host> --rpc-port <durableRpc>`). */
  hostArgs?: string[];
  /** Time each service may take to come up, in ms; default 60000. */
  startupTimeoutInMs?: number;
  /** Aborting stops whatever was started and makes `startStack` reject (Ctrl-C during startup). */
  signal?: AbortSignal;
  /**
   * Called when a child exits without being asked to, after the stack has started; the stack then
   * stops the other children. Default: log it.
   */
  onUnexpectedExit?: (exit: ProcessExit) => void;
  /** Replaces the container access used for registration (tests). */
  registrar?: () => PartnerRegistrar;
  /**
   * Azurite keeps its data in memory only (`--inMemoryPersistence`): nothing under
   * `<dataDir>/azurite`, and a restart of Azurite starts empty. For benches at volume: Azurite's
   * disk persistence (LokiJS) rewrites its whole table database every 5 s while anything changes,
   * in time proportional to what is stored (1.7 s for 54 MB, about 1,300 open requests), which
   * Azure Table Storage does not do. Default false (data survives restarts, `restartAzurite`
   * included; in memory, a restarted Azurite is empty).
   */
  azuriteInMemory?: boolean;
}

/** Where the running services are. */
export interface StackUrls {
  /** Connection string of the stack's Azurite (what the host gets as `AzureWebJobsStorage`, unless overridden). */
  storageConnectionString: string;
  azurite: { blob: string; queue: string; table: string };
  /** MailDev web UI; its REST API is under the same origin (`/email`). */
  maildev: string;
  /** `smtp://127.0.0.1:<port>`. */
  smtp: string;
  /** `smtp://127.0.0.1:<port>` of the SMTP intake (mail to the partners' support addresses). */
  smtpIntake: string;
  /** App base URL, e.g. `http://127.0.0.1:7071`. */
  app: string;
  /** `GET` returns 200 when the app is healthy. */
  health: string;
}

/** A started stack. */
export interface RunningStack {
  urls: StackUrls;
  ports: StackPorts;
  /** Credentials of the registered partners (undefined when `partnersFile` is false and no file exists). */
  credentials: DemoCredentialsFile | undefined;
  /** Path of the credentials file (`<dataDir>/demo-credentials.json`). */
  credentialsFile: string;
  /** Partner ids registered by this start (empty when they already existed). */
  registeredPartnerIds: string[];
  /** The running children (the host entry changes after {@link RunningStack.restartHost}). */
  processes: { azurite: ManagedProcess; maildev: ManagedProcess; host: ManagedProcess };
  /** Resolves with the first unexpected exit (never rejects; pending while all is well). */
  unexpectedExit: Promise<ProcessExit>;
  /** Stops the host, MailDev and Azurite (process groups; SIGKILL after 5 s each). Idempotent. */
  stop(): Promise<void>;
  /**
   * Ends the host with `signal` (default SIGTERM; SIGKILL simulates a crash), waits for it to exit,
   * starts it again with the same settings and waits for its port and health.
   * @throws Error when the new host does not become healthy within the startup timeout.
   */
  restartHost(options?: { signal?: NodeJS.Signals }): Promise<void>;
  /**
   * Ends Azurite with `signal` (SIGKILL simulates a crash of the storage service), leaves it down
   * for `downForInMs`, then starts it again on the same ports over the same data directory (state
   * on disk) and waits for its ports.
   * @throws Error when it does not come back within the startup timeout.
   */
  restartAzurite(options?: { signal?: NodeJS.Signals; downForInMs?: number }): Promise<void>;
}

/**
 * The stack without the host ({@link startDependencies}): what `func start` needs beside it.
 * `urls.app` and `urls.health` name where that host will listen (`ports.host`).
 */
export type RunningDependencies = Omit<RunningStack, "processes" | "restartHost"> & {
  /** The running children (no host). */
  processes: { azurite: ManagedProcess; maildev: ManagedProcess };
};

/**
 * Runs MailDev's CLI (path in `process.argv[1]`) after defining the global `host` its 2.2.0
 * mailserver.js logs with; commander then sees the usual `node <bin> <options>` argv.
 */
const MAILDEV_BOOTSTRAP = 'globalThis.host = "127.0.0.1"; require(process.argv[1]);';

/** Host settings the stack provides (the caller's `env` wins). */
export function buildHostEnv(ports: StackPorts, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const defaults: Record<string, string> = {
    AzureWebJobsStorage: isDefaultStoragePorts(ports) ? "UseDevelopmentStorage=true" : azuriteConnectionString(ports),
    EMAIL_PROVIDER: "smtp",
    SMTP_HOST: "127.0.0.1",
    SMTP_PORT: String(ports.smtp),
    PUBLIC_BASE_URL: `http://127.0.0.1:${ports.host}`,
  };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) defaults[key] = value;
  return defaults;
}

function isDefaultStoragePorts(ports: StackPorts): boolean {
  return ports.blob === DEFAULT_STACK_PORTS.blob && ports.queue === DEFAULT_STACK_PORTS.queue && ports.table === DEFAULT_STACK_PORTS.table;
}

/** File in the data directory holding the local key encryption key (`SECRETS_LOCAL_KEYS` entry), mode 0600. */
export const LOCAL_SECRETS_KEY_FILE = "secrets-kek";

/**
 * The local key encryption key of the stack's data directory: read from
 * `<dataDir>/secrets-kek`, or generated there (mode 0600) on first use. Like the data it protects,
 * it is git-ignored and never leaves the machine; in Azure the key stays in Key Vault instead.
 * @returns a `SECRETS_LOCAL_KEYS` value.
 * @throws Error when the file cannot be read or written.
 */
export function ensureLocalSecretsKey(dataDir: string): string {
  return ensureLocalKeyFile(dataDir, LOCAL_SECRETS_KEY_FILE, "local1");
}

/** File in the data directory holding the local status-link signing key (`STATUS_LINK_KEYS` entry), mode 0600. */
export const LOCAL_STATUS_LINK_KEY_FILE = "status-link-key";

/**
 * The local signing key of customers' status-page links: read from `<dataDir>/status-link-key`,
 * or generated there (mode 0600) on first use, so links in emails keep working across restarts.
 * In Azure the key is an app setting holding a Key Vault reference instead.
 * @returns a `STATUS_LINK_KEYS` value.
 * @throws Error when the file cannot be read or written.
 */
export function ensureLocalStatusLinkKey(dataDir: string): string {
  return ensureLocalKeyFile(dataDir, LOCAL_STATUS_LINK_KEY_FILE, "local1");
}

/** Reads `<dataDir>/<name>`, or writes a new `<id>:<base64 of 32 random bytes>` there (mode 0600). */
function ensureLocalKeyFile(dataDir: string, name: string, id: string): string {
  const file = path.join(dataDir, name);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const entry = generateLocalKeyEntry(id);
  fs.writeFileSync(file, `${entry}\n`, { mode: 0o600, flag: "wx" });
  return entry;
}

/**
 * Starts Azurite and MailDev, registers the partners of `partnersFile` when storage does not have
 * them yet (credentials to `<dataDir>/demo-credentials.json`, mode 0600), then starts the local
 * host (`node emulator/dist/cli.js --port <host>`) and waits for its `GET /api/health` to answer 200.
 *
 * Registration runs in this process through a container built from the host's settings
 * (`process.env`, then {@link buildHostEnv} plus `env`, then `local.settings.json` for unset keys);
 * `process.env` is not modified.
 *
 * @throws ProcessExitedError when a child exits during startup; Error when a port or the health
 *   endpoint is not ready within `startupTimeoutInMs`, when registration fails, or when aborted.
 *   Everything started is stopped before it throws.
 */
export async function startStack(options: StartStackOptions): Promise<RunningStack> {
  return (await startServices(options, true)) as RunningStack;
}

/**
 * Starts what the app needs beside its host, as {@link startStack} does but without the host:
 * Azurite, MailDev, the demo partners' registration and the SMTP intake. For a host started
 * separately (`func start` with Azure Functions Core Tools, `npm run start:deps`).
 * @throws as {@link startStack}.
 */
export async function startDependencies(options: StartStackOptions): Promise<RunningDependencies> {
  return startServices(options, false);
}

async function startServices(options: StartStackOptions, withHost: boolean): Promise<RunningDependencies & Pick<RunningStack, "restartHost"> & { processes: { host?: ManagedProcess } }> {
  const root = findProjectRoot();
  const ports: StackPorts = { ...DEFAULT_STACK_PORTS, ...options.ports };
  const dataDir = path.resolve(options.dataDir);
  const timeoutInMs = options.startupTimeoutInMs ?? 60000;
  const log = options.log ?? ((m: string) => console.log(m));
  const output = options.output ?? "prefixed";
  const credentialsFile = path.join(dataDir, "demo-credentials.json");
  // The local key encryption key of secrets at rest (Key Vault's stand-in), kept beside the data it protects.
  // The signing key of customers' status-page links, likewise local.
  const hostEnv = buildHostEnv(ports, {
    SECRETS_LOCAL_KEYS: process.env.SECRETS_LOCAL_KEYS || ensureLocalSecretsKey(dataDir),
    STATUS_LINK_KEYS: process.env.STATUS_LINK_KEYS || ensureLocalStatusLinkKey(dataDir),
    ...options.env,
  });
  const storageConnectionString = azuriteConnectionString(ports);
  const urls: StackUrls = {
    storageConnectionString,
    azurite: { blob: `http://127.0.0.1:${ports.blob}`, queue: `http://127.0.0.1:${ports.queue}`, table: `http://127.0.0.1:${ports.table}` },
    maildev: `http://127.0.0.1:${ports.web}`,
    smtp: `smtp://127.0.0.1:${ports.smtp}`,
    smtpIntake: `smtp://127.0.0.1:${ports.smtpIntake}`,
    app: `http://127.0.0.1:${ports.host}`,
    health: `http://127.0.0.1:${ports.host}/api/health`,
  };

  fs.mkdirSync(path.join(dataDir, "azurite"), { recursive: true, mode: 0o700 });
  fs.mkdirSync(path.join(dataDir, "maildev"), { recursive: true, mode: 0o700 });

  // Each child ends when this process dies without stopping it (SIGKILL, crash): see scripts/lib/exitWithParent.ts.
  const exitWithParent = exitWithParentNodeArgs(root);
  const supervisor = new ProcessSupervisor();
  const abort = () => void supervisor.stopAll();
  options.signal?.addEventListener("abort", abort, { once: true });
  // A service that dies while a later one is starting (e.g. Azurite during registration).
  let startupExit: ProcessExit | undefined;
  supervisor.onUnexpectedExit((exit) => (startupExit ??= exit));
  const checkAborted = () => {
    if (options.signal?.aborted) throw new Error("Startup aborted");
    if (startupExit) throw new ProcessExitedError(startupExit);
  };

  const spawnHost = () =>
    supervisor.spawn({
      name: "host",
      command: process.execPath,
      args: [...exitWithParent, path.join(root, "emulator", "dist", "cli.js"), "--port", String(ports.host), "--rpc-port", String(ports.durableRpc), ...(options.hostArgs ?? [])],
      cwd: root,
      env: { ...process.env, ...hostEnv },
      output,
      exitWithParent: true,
    });
  const waitForHost = async (host: ManagedProcess) => {
    await waitForPort(ports.host, { timeoutInMs, process: host });
    await waitForUrl(urls.health, { timeoutInMs, process: host });
  };

  const spawnAzurite = () =>
    supervisor.spawn({
      name: "azurite",
      command: process.execPath,
      args: [
        ...exitWithParent,
        path.join(root, "node_modules", "azurite", "dist", "src", "azurite.js"),
        ...(options.azuriteInMemory ? ["--inMemoryPersistence"] : ["--location", path.join(dataDir, "azurite")]),
        "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry",
        "--blobHost", "127.0.0.1", "--blobPort", String(ports.blob),
        "--queueHost", "127.0.0.1", "--queuePort", String(ports.queue),
        "--tableHost", "127.0.0.1", "--tablePort", String(ports.table),
      ],
      cwd: root,
      output,
      exitWithParent: true,
    });
  const waitForAzurite = (azurite: ManagedProcess) =>
    Promise.all([ports.blob, ports.queue, ports.table].map((port) => waitForPort(port, { timeoutInMs, process: azurite })));

  try {
    checkAborted();
    let azurite = spawnAzurite();
    const maildev = supervisor.spawn({
      name: "maildev",
      command: process.execPath,
      args: [
        ...exitWithParent,
        // MailDev 2.2.0 reads an undeclared `host` in lib/mailserver.js once SMTP listens
        // (ReferenceError, exit 1); defining the global first avoids it without patching the package.
        "-e",
        MAILDEV_BOOTSTRAP,
        path.join(root, "node_modules", "maildev", "bin", "maildev"),
        "--smtp", String(ports.smtp), "--web", String(ports.web), "--ip", "127.0.0.1",
        "--mail-directory", path.join(dataDir, "maildev"),
      ],
      cwd: root,
      output,
      exitWithParent: true,
    });
    await Promise.all([
      waitForAzurite(azurite),
      waitForPort(ports.smtp, { timeoutInMs, process: maildev }),
      waitForPort(ports.web, { timeoutInMs, process: maildev }),
    ]);
    log(`Azurite on ${ports.blob}/${ports.queue}/${ports.table}, MailDev on ${ports.smtp} (SMTP) and ${ports.web} (web) are up.`);
    checkAborted();

    let credentials: DemoCredentialsFile | undefined;
    let registeredPartnerIds: string[] = [];
    const partnersFile = options.partnersFile === undefined ? path.join(root, "test", "fixtures", "demo", "partners.json") : options.partnersFile;
    if (partnersFile !== false) {
      const definitions = loadPartnerDefinitions(partnersFile);
      // The host's own settings: this process's environment, the stack's settings, then local.settings.json.
      const registrationEnv: NodeJS.ProcessEnv = { ...process.env, ...hostEnv };
      applyLocalSettings(root, registrationEnv);
      const registrar = options.registrar ? options.registrar() : loadPartnerRegistrar(registrationEnv);
      const result = await ensureDemoPartners({ definitions, credentialsFile, registrar });
      credentials = result.credentials;
      registeredPartnerIds = result.registered;
      if (result.registered.length > 0) log(`Registered partners ${result.registered.join(", ")}; credentials written to ${credentialsFile} (mode 0600).`);
      else log(`Partners ${result.existing.join(", ")} already registered; credentials in ${credentialsFile}.`);
    } else if (fs.existsSync(credentialsFile)) {
      credentials = JSON.parse(fs.readFileSync(credentialsFile, "utf8")) as DemoCredentialsFile;
    }
    checkAborted();

    let host = withHost ? spawnHost() : undefined;
    if (host) await waitForHost(host);
    checkAborted();

    // The SMTP intake runs in this process over the host's settings.
    const intakeEnv: NodeJS.ProcessEnv = { ...process.env, ...hostEnv };
    applyLocalSettings(root, intakeEnv);
    let intake: SmtpIntake | undefined = await startSmtpIntake({ container: createContainer(loadConfig(intakeEnv)), port: ports.smtpIntake, log });
    const stopIntake = async (): Promise<void> => {
      const i = intake;
      intake = undefined;
      await i?.close();
    };
    supervisor.onUnexpectedExit(() => void stopIntake());
    log(`SMTP intake for the partners' support addresses on 127.0.0.1:${ports.smtpIntake}.`);

    let resolveUnexpected: (exit: ProcessExit) => void = () => undefined;
    const unexpectedExit = new Promise<ProcessExit>((resolve) => (resolveUnexpected = resolve));
    let stopped: Promise<void> | undefined;
    const stop = () => {
      stopped ??= Promise.all([stopIntake(), supervisor.stopAll()]).then(() => {
        options.signal?.removeEventListener("abort", abort);
      });
      return stopped;
    };
    supervisor.onUnexpectedExit((exit) => {
      (options.onUnexpectedExit ?? ((e: ProcessExit) => log(`${e.name} exited unexpectedly (${e.signal ?? `code ${e.code}`}); stopping the stack.`)))(exit);
      resolveUnexpected(exit);
      void stop();
    });
    const processes: { azurite: ManagedProcess; maildev: ManagedProcess; host?: ManagedProcess } = { azurite, maildev, ...(host ? { host } : {}) };
    return {
      urls,
      ports,
      credentials,
      credentialsFile,
      registeredPartnerIds,
      processes,
      unexpectedExit,
      stop,
      async restartHost({ signal = "SIGTERM" }: { signal?: NodeJS.Signals } = {}) {
        const old = host;
        if (!old) throw new Error("This stack was started without the host");
        await old.stop({ signal });
        supervisor.forget(old);
        host = spawnHost();
        processes.host = host;
        await waitForHost(host);
      },
      async restartAzurite({ signal = "SIGTERM", downForInMs = 0 } = {}) {
        const old = azurite;
        await old.stop({ signal });
        supervisor.forget(old);
        if (downForInMs > 0) await new Promise((r) => setTimeout(r, downForInMs));
        azurite = spawnAzurite();
        processes.azurite = azurite;
        await waitForAzurite(azurite);
      },
    };
  } catch (e) {
    await supervisor.stopAll();
    options.signal?.removeEventListener("abort", abort);
    throw e;
  }
}
