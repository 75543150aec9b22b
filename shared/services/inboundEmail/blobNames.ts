/**
 * Blob names of raw inbound messages: `<partnerId>/<yyyyMMddTHHmmssSSSZ>-<id>.eml` in the
 * `inbound-email` container, so the blob trigger knows the partner (mailbox) from the name.
 */
import { randomBytes } from "node:crypto";
import { PartnerIdSchema } from "../../contracts";

/**
 * A new blob name for a message received now.
 * @param partnerId - the partner whose mailbox received it.
 * @param now - receive time.
 * @param id - unique suffix (default 12 random hex characters).
 */
export function inboundBlobName(partnerId: string, now: Date, id: string = randomBytes(6).toString("hex")): string {
  const ts = now.toISOString().replace(/[-:.]/g, "");
  return `${partnerId}/${ts}-${id}.eml`;
}

/**
 * The partner id of an inbound blob name (its first path segment), or undefined when the name
 * does not start with a valid partner id and a slash.
 */
export function partnerIdOfBlobName(blobName: string): string | undefined {
  const slash = blobName.indexOf("/");
  if (slash <= 0) return undefined;
  const id = blobName.slice(0, slash);
  return PartnerIdSchema.safeParse(id).success ? id : undefined;
}
