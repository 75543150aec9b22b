/**
 * The one place every outgoing email passes before its transport: display names and the subject,
 * which carry customer-supplied text (a request's `contactName` and `title`, a partner's name),
 * are made inert (shared/domain/email/headerText.ts: no address inside a display name, no RFC 2047
 * encoded word a mail client would decode, one well-formed line). Wrapping the sender in the composition root covers
 * every activity that sends (status emails, partner notifications, intake acknowledgements).
 */
import { safeDisplayName, safeSubject } from "../domain/email";
import type { EmailMessage, EmailSender } from "../ports";

type Address = EmailMessage["to"][number];

function safeAddress(a: Address): Address {
  const name = safeDisplayName(a.displayName);
  return name === undefined ? { address: a.address } : { address: a.address, displayName: name };
}

/**
 * The message with safe display names (From, To, Cc, Reply-To) and subject; everything else unchanged.
 * @param message - the message as built by an activity.
 */
export function withSafeHeaderText(message: EmailMessage): EmailMessage {
  return {
    ...message,
    from: safeAddress(message.from),
    to: message.to.map(safeAddress),
    ...(message.cc ? { cc: message.cc.map(safeAddress) } : {}),
    ...(message.replyTo ? { replyTo: message.replyTo.map(safeAddress) } : {}),
    subject: safeSubject(message.subject),
  };
}

/**
 * An {@link EmailSender} that applies {@link withSafeHeaderText} to every message, then sends it
 * with `sender`.
 * @param sender - the transport (ACS or SMTP).
 */
export function createSafeHeaderEmailSender(sender: EmailSender): EmailSender {
  return {
    send: (message) => sender.send(withSafeHeaderText(message)),
    checkHealth: () => sender.checkHealth(),
    close: () => sender.close?.(),
  };
}
