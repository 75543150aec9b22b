/**
 * Idle polling of the task hub queues: the wait after empty receives doubles from the minimum up
 * to the cap (the Azure Storage provider's `maxQueuePollingInterval`), a receive with messages
 * resets it, and a local enqueue ends a wait at once, also when it came while no wait was pending.
 */
import { QueuePoller } from "../../durable/polling";

const HOUR = 3_600_000;

test("empty receives double the wait from the minimum up to the cap; a receive with messages resets it", () => {
  const p = new QueuePoller(100, 1000);
  expect([p.next(false), p.next(false), p.next(false), p.next(false), p.next(false), p.next(false)]).toEqual([100, 200, 400, 800, 1000, 1000]);
  expect(p.next(true)).toBe(0);
  expect(p.next(false)).toBe(100);
});

test("a local enqueue ends a long idle wait and resets the back-off", async () => {
  const p = new QueuePoller(100, HOUR);
  for (let i = 0; i < 40; i++) p.next(false);
  const waiting = p.sleep(HOUR);
  p.wake();
  await expect(waiting).resolves.toBeUndefined();
  expect(p.next(false)).toBe(100);
  p.close();
});

test("a wake-up that comes while no wait is pending (a receive in flight) ends the next wait at once", async () => {
  const p = new QueuePoller(100, HOUR);
  p.wake();
  await expect(p.sleep(HOUR)).resolves.toBeUndefined();
  // Only once: the wait after that one is a real wait again, ended here by close().
  let ended = false;
  const second = p.sleep(HOUR).then(() => (ended = true));
  await Promise.resolve();
  expect(ended).toBe(false);
  p.close();
  await second;
  expect(ended).toBe(true);
});

test("a message that becomes visible later (a timer) wakes the poller when it becomes visible", async () => {
  jest.useFakeTimers();
  try {
    const p = new QueuePoller(100, HOUR);
    let ended = false;
    void p.sleep(HOUR).then(() => (ended = true));
    p.wake(5000);
    await jest.advanceTimersByTimeAsync(4999);
    expect(ended).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(ended).toBe(true);
    p.close();
  } finally {
    jest.useRealTimers();
  }
});
