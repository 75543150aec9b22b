/**
 * The partner's published support terms (CSP support rules "Tell customers": support types, service
 * hours, contact methods, pricing): the public view served at
 * `GET /api/partners/{partnerId}/support-terms` and the quote in the acknowledgement email.
 */
import type { Partner, ServiceHours } from "../contracts";
import { describeServiceHours } from "../templates/statusEmail";
import type { PartnerRepository } from "../ports";
import { NotFoundError } from "./errors";

/** What anyone may read about a partner's support (no key): nothing but the published terms. */
export interface PublicSupportTerms {
  partnerId: string;
  name: string;
  supportTypes: string[];
  /** IANA time zone, weekly periods in local time ("HH:mm"), holidays as local YYYY-MM-DD dates. */
  serviceHours: { timeZone: string; weekly: ServiceHours["weekly"]; holidays: string[] };
  contactMethods: string[];
  pricing: string;
}

/** The support terms as quoted in an email (the renderer prints them; `serviceHoursText` is already localized). */
export interface SupportTermsQuote {
  supportTypes: string[];
  /** The service hours in the email's language (may span lines), e.g. "Monday–Friday: 08:00–17:00" and the time zone. */
  serviceHoursText: string;
  contactMethods: string[];
  pricing: string;
}

/** The public support terms of a partner (no credentials, contacts or entitlements). */
export function toPublicSupportTerms(partner: Partner): PublicSupportTerms {
  const t = partner.supportTerms;
  return {
    partnerId: partner.id,
    name: partner.name,
    supportTypes: [...t.supportTypes],
    serviceHours: { timeZone: t.serviceHours.timeZone, weekly: t.serviceHours.weekly, holidays: [...(t.serviceHours.holidays ?? [])] },
    contactMethods: [...t.contactMethods],
    pricing: t.pricing,
  };
}

/**
 * The public support terms of a partner.
 * @throws NotFoundError when the partner does not exist.
 */
export async function getPublicSupportTerms(deps: { partners: PartnerRepository }, partnerId: string): Promise<PublicSupportTerms> {
  const partner = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(partnerId) ? await deps.partners.getPartner(partnerId) : undefined;
  if (!partner) throw new NotFoundError(`Partner ${partnerId} not found`);
  return toPublicSupportTerms(partner);
}

/**
 * The support terms of a partner as quoted in an email: the service hours described in the
 * customer's language by shared/templates `describeServiceHours` (grouped weekdays with Intl
 * weekday names, the time zone, the holidays).
 * @param locale - a supported language (`hu`) or a BCP 47 tag; anything else describes in English.
 * @throws RangeError when the stored service hours are malformed (unknown time zone, bad times).
 */
export function supportTermsQuote(partner: Partner, locale: string): SupportTermsQuote {
  const t = partner.supportTerms;
  return { supportTypes: [...t.supportTypes], serviceHoursText: describeServiceHours(t.serviceHours, locale), contactMethods: [...t.contactMethods], pricing: t.pricing };
}
