/**
 * What the local engine writes to its log when a storage call fails: Azurite answers some failures
 * with an empty body, and the Azure SDK's RestError then has an empty message; the log line must
 * still say what failed (status and code) instead of ending after "failed:".
 */
import { RestError } from "@azure/data-tables";
import { describeStorageError } from "../../durable/tableUtil";

test("a RestError without a message is described by its HTTP status and code", () => {
  expect(describeStorageError(new RestError("", { statusCode: 500 }))).toBe("no message (HTTP 500)");
  expect(describeStorageError(new RestError("", { statusCode: 503, code: "ServerBusy" }))).toBe("no message (HTTP 503, ServerBusy)");
});

test("a RestError with a message keeps it, followed by its status and code", () => {
  expect(describeStorageError(new RestError("The specified message does not exist.", { statusCode: 404, code: "MessageNotFound" }))).toBe(
    "The specified message does not exist. (HTTP 404, MessageNotFound)",
  );
});

test("an error that is no storage error is described by its message, or its name when it has none", () => {
  expect(describeStorageError(new Error("connect ECONNREFUSED 127.0.0.1:10001"))).toBe("connect ECONNREFUSED 127.0.0.1:10001");
  expect(describeStorageError(new TypeError(""))).toBe("TypeError without a message");
  expect(describeStorageError("socket hang up")).toBe("socket hang up");
});
