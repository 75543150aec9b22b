/**
 * Where the stack's Azurite keeps its data: on disk under `<dataDir>/azurite` by default (what
 * `npm start` uses: the data survives a restart of Azurite), in memory only with
 * `azuriteInMemory` (what `npm run bench:volume` uses: nothing written to disk, nothing kept
 * after a restart). Started with `startDependencies` (Azurite and MailDev, no host) on free ports.
 */
import fs from "node:fs";
import path from "node:path";
import { TableClient } from "@azure/data-tables";
import { startTestDependencies, type TestStack } from "../support/e2eStack";
import type { RunningDependencies } from "../../scripts/lib/stack";

jest.setTimeout(3 * 60_000);

const stacks: Array<TestStack<RunningDependencies>> = [];
afterAll(async () => {
  for (const s of stacks) await s.stop();
});

async function start(name: string, azuriteInMemory: boolean): Promise<{ stack: RunningDependencies; azuriteDir: string; table: TableClient }> {
  const log: string[] = [];
  const started = await startTestDependencies(name, log, { partnersFile: false, azuriteInMemory });
  stacks.push(started);
  const { stack } = started;
  const table = TableClient.fromConnectionString(stack.urls.storageConnectionString, "Persistence", { allowInsecureConnection: true });
  await table.createTable();
  await table.createEntity({ partitionKey: "p", rowKey: "r", value: "kept?" });
  return { stack, azuriteDir: path.join(path.dirname(stack.credentialsFile), "azurite"), table };
}

async function stored(table: TableClient): Promise<string | undefined> {
  try {
    return (await table.getEntity<{ value: string }>("p", "r")).value;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw e;
  }
}

describe("the stack's Azurite", () => {
  it("keeps its data on disk by default, and a restarted Azurite still has it", async () => {
    const { stack, azuriteDir, table } = await start("azurite-disk", false);
    expect(fs.readdirSync(azuriteDir)).toContain("__azurite_db_table__.json");
    await stack.restartAzurite();
    await table.createTable(); // 409 swallowed by the SDK when it exists
    expect(await stored(table)).toBe("kept?");
  });

  it("with azuriteInMemory writes nothing to disk, serves storage, and starts empty after a restart", async () => {
    const { stack, azuriteDir, table } = await start("azurite-memory", true);
    expect(await stored(table)).toBe("kept?");
    expect(fs.readdirSync(azuriteDir)).toEqual([]);
    await stack.restartAzurite();
    await table.createTable();
    expect(await stored(table)).toBeUndefined();
    expect(fs.readdirSync(azuriteDir)).toEqual([]);
  });
});
