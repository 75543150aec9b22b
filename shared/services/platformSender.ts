/**
 * Which address outgoing mail is sent from. A mail service only sends from domains it has
 * verified: Azure Communication Services Email sends from the domains linked to the Communication
 * Services resource, and the Azure-managed domain that `infra/` provisions sends only as
 * `DoNotReply@<guid>.azurecomm.net` (its `mailFromSenderDomain`; sender usernames and display
 * names cannot be added to it, https://learn.microsoft.com/azure/communication-services/quickstarts/email/add-multiple-senders).
 * A partner's `senderEmail` on any other domain is refused ("The specified sender domain has not
 * been linked").
 *
 * The rule (docs/deploy.md "The ACS sender"):
 * - no platform address configured (`EMAIL_SENDER_ADDRESS` unset: local SMTP, a relay that accepts
 *   any sender) → the partner's `senderEmail`, as built by the activities;
 * - the partner's `senderEmail` is on a domain the operator linked (`EMAIL_SENDER_LINKED_DOMAINS`)
 *   → the partner's `senderEmail`;
 * - otherwise → the platform address, with the partner's name as display name.
 * Customer emails carry the partner's support address as `Reply-To` whichever From is used (set
 * by the activities), so a customer's answer reaches the support mailbox the email intake reads.
 * Message-IDs keep the partner's `senderEmail` domain either way (threading and loop detection
 * key on it; ACS accepts any well-formed Message-ID).
 */
import type { EmailMessage, EmailSender } from "../ports";

/** The sender settings of the deployment. */
export interface SenderPolicy {
  /**
   * `EMAIL_SENDER_ADDRESS`: the address mail is sent from when the partner's own address cannot be
   * used, e.g. `DoNotReply@<guid>.azurecomm.net`. Unset: every mail goes out from the partner's `senderEmail`.
   */
  platformAddress?: string;
  /**
   * `EMAIL_SENDER_LINKED_DOMAINS`: lower-case domains verified for sending (custom domains linked to
   * the ACS resource); partners whose `senderEmail` is on one send as themselves.
   */
  linkedDomains: readonly string[];
}

/** The domain of an address, lower-cased (`""` without an `@`). */
function domainOfAddress(address: string): string {
  const at = address.lastIndexOf("@");
  return at < 0 ? "" : address.slice(at + 1).trim().toLowerCase();
}

/**
 * The From a message goes out with under `policy` (rule in the module comment).
 * @param from - the From the activity chose: the partner's `senderEmail` and name.
 * @param policy - the deployment's sender settings.
 * @returns `from` unchanged, or the platform address with `from.displayName`.
 */
export function senderAddressFor(from: EmailMessage["from"], policy: SenderPolicy): EmailMessage["from"] {
  if (!policy.platformAddress) return from;
  if (policy.linkedDomains.includes(domainOfAddress(from.address))) return from;
  return { address: policy.platformAddress, ...(from.displayName ? { displayName: from.displayName } : {}) };
}

/**
 * The domains mail of this deployment can come from for a partner: the partner's `senderEmail`
 * domain and the platform address's domain (loop detection recognises automatic mail from either
 * as our own).
 * @param senderEmail - the partner's `senderEmail`.
 * @param policy - the deployment's sender settings.
 */
export function ownSenderDomains(senderEmail: string, policy: SenderPolicy): string[] {
  const domains = [domainOfAddress(senderEmail)];
  const platform = policy.platformAddress ? domainOfAddress(policy.platformAddress) : "";
  if (platform && !domains.includes(platform)) domains.push(platform);
  return domains;
}

/**
 * An {@link EmailSender} that sends every message from the address {@link senderAddressFor}
 * chooses, through `sender`; everything else (Reply-To, Message-ID, headers) unchanged.
 * @param sender - the transport (ACS or SMTP).
 * @param policy - the deployment's sender settings.
 */
export function createPlatformSenderEmailSender(sender: EmailSender, policy: SenderPolicy): EmailSender {
  if (!policy.platformAddress) return sender;
  return {
    send: (message) => sender.send({ ...message, from: senderAddressFor(message.from, policy) }),
    checkHealth: () => sender.checkHealth(),
    close: () => sender.close?.(),
  };
}
