/**
 * `node dist/test/support/stackProcess.js <dataDir> [<ports JSON>]`: starts the local stack as
 * `npm start` does (`startStack`), but on the given ports (else free ones), in `<dataDir>` and
 * without registering partners, prints one
 * JSON line `{ports, pids: {azurite, maildev, host}}` once every service is up, and then runs until
 * it is killed. For tests that kill the stack's parent process.
 */
import { allocateFreePorts, startStack } from "../../scripts/lib/stack";

/** What the process prints once the stack is up. */
export interface StackProcessReady {
  ports: Awaited<ReturnType<typeof allocateFreePorts>>;
  pids: { azurite: number; maildev: number; host: number };
}

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error("usage: stackProcess.js <dataDir> [<ports JSON>]");
  const ports = process.argv[3] ? (JSON.parse(process.argv[3]) as StackProcessReady["ports"]) : await allocateFreePorts();
  const stack = await startStack({ dataDir, ports, partnersFile: false, output: "ignore", log: () => undefined });
  const { azurite, maildev, host } = stack.processes;
  const ready: StackProcessReady = { ports: stack.ports, pids: { azurite: azurite.pid, maildev: maildev.pid, host: host.pid } };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  await stack.unexpectedExit;
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error((e as Error).message);
    process.exit(1);
  });
}
