/**
 * Polling for a condition in tests that drive real servers or the local engine, where the outcome
 * arrives asynchronously.
 */

/**
 * Polls `probe` every 50 ms until it returns a truthy value, which it
 * returns; `probe` may be synchronous or return a promise.
 * @throws Error "Timed out waiting for {what}" after `timeoutInMs` (default 15,000 ms); a probe's
 *   own error is thrown as is.
 */
export async function waitUntil<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutInMs = 15000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutInMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
