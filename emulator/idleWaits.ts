/**
 * Interruptible idle waits of the polling listeners (queue and blob triggers): a loop sleeps
 * between polls, and `stop()` wakes every sleeper at once instead of waiting out the interval.
 */

/** A set of idle waits that can all be ended early. */
export class IdleWaits {
  readonly #wakers = new Set<() => void>();

  /**
   * Sleeps `ms` milliseconds, or until {@link IdleWaits.wakeAll}.
   * @param ms - polling interval in ms.
   */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#wakers.add(wake);
    });
  }

  /** Ends every pending sleep now (used when the listener stops). */
  wakeAll(): void {
    for (const wake of [...this.#wakers]) wake();
  }
}
