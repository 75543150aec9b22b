/**
 * Jest global setup: one in-memory Azurite for the whole run. Its connection string reaches every
 * test worker as `AZURE_STORAGE_CONNECTION_STRING` (and `AzureWebJobsStorage`).
 */
import { startAzurite } from "./azurite";

export default async function globalSetup(): Promise<void> {
  const azurite = await startAzurite();
  process.env.AZURE_STORAGE_CONNECTION_STRING = azurite.connectionString;
  process.env.AzureWebJobsStorage = azurite.connectionString;
  (globalThis as Record<string, unknown>).__AZURITE__ = azurite;
}
