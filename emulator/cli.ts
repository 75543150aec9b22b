#!/usr/bin/env node
/**
 * `node emulator/dist/cli.js [--port 7071] [--app-dir .] [--rpc-port 17071|off]`: runs the local
 * Functions host like `func start` (https://learn.microsoft.com/azure/azure-functions/functions-run-local#start):
 * prints the functions with their URLs and auth levels and the task hub, and stops gracefully on
 * Ctrl+C. Exits with code 1 and a one-line reason when the host cannot start (storage unreachable,
 * app not built, port in use...).
 */
import { createLocalHost, HostStartError, type FunctionListing, type LocalHost } from "./host";

/** Parsed command line. */
export interface CliArgs {
  port: number;
  appDir: string;
  rpcPort: number | false;
  help: boolean;
}

/**
 * Parses the command line (without `node` and the script).
 * @throws RangeError for an unknown flag or a bad port.
 */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = { port: 7071, appDir: ".", rpcPort: 17071, help: false };
  const port = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new RangeError(`${flag} needs a port number (0-65535), got "${v ?? ""}".`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const [flag, inline] = a.includes("=") ? (a.split(/=(.*)/s) as [string, string]) : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    if (flag === "--port" || flag === "-p") args.port = port("--port", value());
    else if (flag === "--app-dir" || flag === "--script-root") args.appDir = value() ?? ".";
    else if (flag === "--rpc-port") {
      const v = value();
      args.rpcPort = v === "off" ? false : port("--rpc-port", v);
    } else if (flag === "--help" || flag === "-h") args.help = true;
    else throw new RangeError(`Unknown option "${a}". Try --help.`);
  }
  return args;
}

/** Renders the function list as `func start` does: `name: [METHODS] url (authLevel)` or `name: trigger`. */
export function formatFunctionList(functions: readonly FunctionListing[]): string {
  const lines = ["Functions:", ""];
  for (const f of functions) {
    if (f.url !== undefined) {
      const methods = f.methods && f.methods.length > 0 ? f.methods.join(",") : "ALL";
      lines.push(`        ${f.name}: [${methods}] ${f.url} (authLevel: ${f.authLevel ?? "anonymous"})`);
    } else {
      lines.push(`        ${f.name}: ${f.triggerType}`);
    }
    lines.push("");
  }
  return lines.join("\n");
}

const HELP = `Usage: node emulator/dist/cli.js [--port 7071] [--app-dir .] [--rpc-port 17071|off]

Runs the app like "func start": HTTP triggers under /api, Durable Functions on Azurite
(AzureWebJobsStorage), queue triggers. Settings come from local.settings.json (else the
defaults of local.settings.example.json); keys from EMULATOR_HOST_KEY, EMULATOR_MASTER_KEY and
EMULATOR_SYSTEM_KEY_DURABLETASK (generated for the run when unset). EMULATOR_SCALE_GROUP=http
runs only the HTTP triggers and the Durable client API, as an instance of Flex Consumption's HTTP
scale group; another host on the same storage and task hub runs the rest.`;

async function main(): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  if (args.help) {
    console.log(HELP);
    return 0;
  }
  const host: LocalHost = createLocalHost({ port: args.port, appDir: args.appDir, durableRpcPort: args.rpcPort, handleSignals: true });
  try {
    await host.start();
  } catch (e) {
    const code = e instanceof HostStartError ? ` [${e.code}]` : "";
    console.error(`The local host could not start${code}: ${(e as Error).message}`);
    return 1;
  }
  console.log(`\nAzure Functions local host (Core Tools stand-in) listening on ${host.url}\n`);
  console.log(formatFunctionList(host.listFunctions()));
  if (host.taskHubName) {
    console.log(`Durable Functions task hub: ${host.taskHubName}`);
    console.log(`Durable HTTP API: ${host.url}/runtime/webhooks/durabletask/ (system key required)`);
    // The RPC base path holds a per-run token that only the host's durable clients receive: not printed.
    if (host.durableRpcBaseUrl) console.log(`Durable local RPC endpoint: http://${new URL(host.durableRpcBaseUrl).host}/… (loopback only, used by the host's durable clients)`);
  }
  const generated = ["EMULATOR_HOST_KEY", "EMULATOR_MASTER_KEY", "EMULATOR_SYSTEM_KEY_DURABLETASK"].filter((k) => !process.env[k]);
  if (generated.length > 0) {
    console.log(`\nKeys generated for this run (set ${generated.join(", ")} in local.settings.json to fix them):`);
    console.log(`  host key (function level, ?code= or x-functions-key): ${host.keys.hostKey}`);
    console.log(`  master key (admin level):                             ${host.keys.masterKey}`);
    console.log(`  durabletask_extension system key:                     ${host.keys.durableTaskSystemKey}`);
  }
  console.log("\nPress Ctrl+C to stop.");
  return -1;
}

if (require.main === module) {
  main().then(
    (code) => {
      if (code >= 0) process.exit(code);
    },
    (e: unknown) => {
      console.error(`The local host failed: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
