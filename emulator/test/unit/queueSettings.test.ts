/**
 * host.json `extensions.queues.maxPollingInterval`, the cap of the queue triggers' idle back-off:
 * a TimeSpan as Functions 2.x and later write it, milliseconds as 1.x did, 1 minute when absent.
 */
import { queueMaxPollingIntervalInMs } from "../../settings";

it("reads a TimeSpan, a number of ms, and defaults to one minute", () => {
  expect(queueMaxPollingIntervalInMs("00:00:02")).toBe(2000);
  expect(queueMaxPollingIntervalInMs("00:01:30.5")).toBe(90_500);
  expect(queueMaxPollingIntervalInMs(2000)).toBe(2000);
  expect(queueMaxPollingIntervalInMs(undefined)).toBe(60_000);
});

it("refuses a string that is not a TimeSpan", () => {
  expect(() => queueMaxPollingIntervalInMs("2s")).toThrow(/TimeSpan/);
});
