/**
 * Fault injection for writes whose answer was lost: the Azure SDK pipeline resends a request after
 * a timeout or a dropped connection, also one that already committed, and the resend then fails on
 * the write's own condition (409 for an insert).
 */
import { TableClient } from "@azure/data-tables";

/**
 * Makes the next `TableClient.createEntity` of any table commit and then be sent again, as the
 * SDK's resend after a lost answer: the caller sees the resend's answer (409).
 * @returns the jest spy (call `mockRestore()` when done; its calls count the intercepted insert).
 */
export function resendNextInsert(): jest.SpyInstance {
  const createEntity = TableClient.prototype.createEntity;
  return jest.spyOn(TableClient.prototype, "createEntity").mockImplementationOnce(async function (this: TableClient, ...args: Parameters<TableClient["createEntity"]>) {
    await createEntity.apply(this, args);
    return createEntity.apply(this, args);
  });
}
