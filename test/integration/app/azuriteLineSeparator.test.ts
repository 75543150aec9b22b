/**
 * Azurite's entity-group transaction parser and U+2028/U+2029 (docs/azurite-line-separator-batch.md),
 * on an Azurite of this file's own (the failure it shows would break every other test file's
 * batches on the shared one): a raw line separator in a batch fails it with 500, commits the
 * operations before it and makes Azurite answer 500 to every later batch; the app's table clients
 * (shared/adapters/tableStorage.ts) write it as the JSON escape, so the same batches succeed and
 * read back exactly what was written.
 */
import { TableClient, type TableTransactionResponse } from "@azure/data-tables";
import { TableStorage } from "../../../shared/adapters/tableStorage";
import { startAzurite, type AzuriteInstance } from "../../support/azurite";

let azurite: AzuriteInstance;

beforeAll(async () => {
  azurite = await startAzurite();
});

afterAll(async () => {
  await azurite?.stop();
});

const text = "first line\u2028second line\u2029next paragraph";

async function outcome(submit: Promise<TableTransactionResponse>): Promise<number> {
  try {
    return (await submit).status;
  } catch (e) {
    return (e as { statusCode?: number }).statusCode ?? -1;
  }
}

describe("U+2028/U+2029 in an entity-group transaction", () => {
  it("through the app's table clients: every batch succeeds and the text reads back unchanged", async () => {
    const storage = new TableStorage({ connectionString: azurite.connectionString, tablePrefix: "sep" });
    const table = await storage.getTable("Cases");
    const create = table.submitTransaction([
      ["create", { partitionKey: "p", rowKey: "a", title: "plain" }],
      ["create", { partitionKey: "p", rowKey: "b", title: text, applied: "{}", json0: JSON.stringify({ title: text }) }],
    ]);
    expect(await outcome(create)).toBe(202);
    const update = table.submitTransaction([
      ["update", { partitionKey: "p", rowKey: "a", title: `${text} (updated)` }, "Replace"],
      ["upsert", { partitionKey: "p", rowKey: "c", title: text }, "Replace"],
    ]);
    expect(await outcome(update)).toBe(202);
    expect((await table.getEntity<{ title: string }>("p", "a")).title).toBe(`${text} (updated)`);
    expect((await table.getEntity<{ title: string; json0: string }>("p", "b")).json0).toBe(JSON.stringify({ title: text }));
    expect((await table.getEntity<{ title: string }>("p", "c")).title).toBe(text);
  });

  it("through a client without the escape, Azurite fails the batch, keeps half of it and then fails every batch (why the escape exists)", async () => {
    const raw = TableClient.fromConnectionString(azurite.connectionString, "rawsep", { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });
    await raw.createTable();
    const broken = raw.submitTransaction([
      ["create", { partitionKey: "p", rowKey: "x1", title: "plain" }],
      ["create", { partitionKey: "p", rowKey: "x2", title: text, applied: "{}" }],
    ]);
    expect(await outcome(broken)).toBe(500);
    // Not atomic: the first operation stayed.
    expect((await raw.getEntity<{ title: string }>("p", "x1")).title).toBe("plain");
    // And every later batch, of any table, fails.
    const other = TableClient.fromConnectionString(azurite.connectionString, "rawother", { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });
    await other.createTable();
    expect(await outcome(other.submitTransaction([["create", { partitionKey: "q", rowKey: "1", title: "plain" }]]))).toBe(500);
  });
});
