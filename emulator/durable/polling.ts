/**
 * Idle polling of the task hub's queues, as the Azure Storage provider polls them
 * (`maxQueuePollingInterval`, default 30 s): after an empty receive the wait before the next one
 * doubles, from the minimum interval up to the cap; a receive that finds messages resets it. The
 * provider's dispatchers are also woken in-process when the same worker enqueues a message, so
 * back-off costs no latency for work this host creates: {@link QueuePoller.wake} ends the current
 * wait (or the next one, when it comes while a receive is in flight, so no wake-up is lost).
 */

/** Back-off state and wake-up of one polled queue. */
export class QueuePoller {
  private delayMs: number;
  private woken = false;
  private wakeNow?: () => void;
  private readonly wakeTimers = new Set<NodeJS.Timeout>();

  /**
   * @param minIntervalInMs - first wait after an empty receive, in ms.
   * @param maxIntervalInMs - cap of the wait, in ms (host.json `storageProvider.maxQueuePollingInterval`).
   */
  constructor(private readonly minIntervalInMs: number, private readonly maxIntervalInMs: number) {
    this.delayMs = minIntervalInMs;
  }

  /** The wait (ms) after a receive: the minimum when it found messages, else double the previous wait, capped. */
  next(found: boolean): number {
    if (found) {
      this.delayMs = this.minIntervalInMs;
      return 0;
    }
    const d = this.delayMs;
    this.delayMs = Math.min(this.maxIntervalInMs, Math.max(this.minIntervalInMs, d * 2));
    return Math.min(d, this.maxIntervalInMs);
  }

  /** Waits `ms`, or until {@link QueuePoller.wake}; returns at once when a wake-up came since the last wait. */
  sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wakeNow === done) this.wakeNow = undefined;
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeNow = done;
    });
  }

  /**
   * A message was put on the queue: poll now (resets the back-off), or in `delayInMs` when it
   * becomes visible later (a timer, a message hidden again).
   */
  wake(delayInMs = 0): void {
    if (delayInMs > 0) {
      const t = setTimeout(() => {
        this.wakeTimers.delete(t);
        this.wake(0);
      }, delayInMs);
      t.unref();
      this.wakeTimers.add(t);
      return;
    }
    this.delayMs = this.minIntervalInMs;
    if (this.wakeNow) this.wakeNow();
    else this.woken = true;
  }

  /** Ends the current wait and drops the scheduled wake-ups (engine stop). */
  close(): void {
    for (const t of this.wakeTimers) clearTimeout(t);
    this.wakeTimers.clear();
    this.wakeNow?.();
  }
}
