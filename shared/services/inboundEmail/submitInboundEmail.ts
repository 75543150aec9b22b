/**
 * Accepts a raw message for a partner's mailbox from a relay (the signed HTTP endpoint, the local
 * SMTP intake): writes it to the `inbound-email` container, where the blob trigger processes it
 * like any other relay's blob.
 */
import { inboundBlobName } from "./blobNames";
import type { Clock, InboundEmailBlobStore } from "../../ports";

/** Result of {@link submitInboundEmail}. */
export interface SubmitInboundEmailResult {
  /** Blob name in the `inbound-email` container: `<partnerId>/<timestamp>-<id>.eml`. */
  blobName: string;
}

/**
 * Writes a raw message to the `inbound-email` container.
 * @param deps - blob store and clock.
 * @param partnerId - the (verified) partner whose mailbox received it.
 * @param raw - the RFC 5322 bytes as received.
 * @param metadata - blob metadata (e.g. `relay`, `envelopefrom`); values are made ASCII.
 * @throws RangeError when the message is empty.
 * @throws Error when storage fails.
 */
export async function submitInboundEmail(deps: { blobs: InboundEmailBlobStore; clock: Clock }, partnerId: string, raw: Uint8Array, metadata: Record<string, string> = {}): Promise<SubmitInboundEmailResult> {
  if (raw.byteLength === 0) throw new RangeError("The message is empty");
  const blobName = inboundBlobName(partnerId, deps.clock.now());
  await deps.blobs.putInbound(blobName, raw, metadata);
  return { blobName };
}
