/** Jest global teardown: stops the Azurite started by globalSetup. */
import type { AzuriteInstance } from "./azurite";

export default async function globalTeardown(): Promise<void> {
  const azurite = (globalThis as Record<string, unknown>).__AZURITE__ as AzuriteInstance | undefined;
  await azurite?.stop();
}
