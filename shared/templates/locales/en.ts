/** English status-email templates (the fallback for every other language). */
import type { StatusEmailLocale } from "../types";

/** English templates; complete by type, since every other language falls back to them. */
export const en: StatusEmailLocale = {
  locale: "en-GB",
  subject: "[Case #{{caseId}}] {{statusLabel}}: {{title}}",
  statusLabels: {
    received: "Received",
    "in-diagnosis": "In diagnosis",
    "awaiting-customer": "Awaiting your reply",
    "escalated-to-provider": "Escalated to our provider",
    "escalated-to-microsoft": "Escalated to Microsoft",
    resolved: "Resolved",
    closed: "Closed",
  },
  greeting: "Dear {{customerName}},",
  statuses: {
    received: {
      paragraphs: [
        "Thank you for contacting {{partnerName}} support. We have received your support request “{{title}}” and registered it as case {{caseId}}.",
        "Our support team is now diagnosing the issue. We will contact you as soon as we have an update or need more information from you.",
      ],
    },
    "in-diagnosis": {
      paragraphs: [
        "A support engineer is now working on your request “{{title}}” (case {{caseId}}).",
        "We are diagnosing the issue and will update you as soon as we know more.",
      ],
    },
    "awaiting-customer": {
      paragraphs: [
        "To continue working on your request “{{title}}” (case {{caseId}}), we need some more information from you.",
        "Please reply to this email with the requested details and keep the case number in the subject. The case is on hold until we hear from you.",
      ],
      messageLabel: "Information we need from you:",
    },
    "escalated-to-provider": {
      paragraphs: [
        "Resolving your request “{{title}}” (case {{caseId}}) needs the involvement of our indirect Cloud Solution Provider, so we have escalated the case to them.",
        "We remain your contact: we are working with our provider and will keep you informed of the progress.",
      ],
    },
    "escalated-to-microsoft": {
      paragraphs: [
        "Your request “{{title}}” (case {{caseId}}) requires assistance from Microsoft, so we have escalated it to Microsoft support on your behalf.",
        "We remain your contact for this case and will update you as soon as Microsoft responds.",
      ],
    },
    resolved: {
      paragraphs: [
        "We are pleased to let you know that your request “{{title}}” (case {{caseId}}) has been resolved.",
        "If the issue persists or the solution does not work for you, please reply to this email before the case is closed.",
      ],
      messageLabel: "Resolution summary:",
    },
    closed: {
      paragraphs: [
        "Your request “{{title}}” (case {{caseId}}) is now closed.",
        "Thank you for your patience. If you need further help, please submit a new request and mention this case number.",
      ],
    },
  },
  defaultMessageLabel: "Note from our support team:",
  labels: { caseNumber: "Case number", request: "Request", customer: "Customer", status: "Status", updated: "Updated", respondBy: "Response expected by", nextUpdateBy: "Next update by", target: "Target time" },
  notices: {
    "partner-update": {
      label: "Update on your request",
      paragraphs: [
        "Our support team has an update on your request “{{title}}” (case {{caseId}}).",
        "If you have anything to add, please reply to this email and keep the case number in the subject.",
      ],
      messageLabel: "Update from our support team:",
    },
    "sla-delay": {
      label: "Taking longer than planned",
      paragraphs: [
        "Your request “{{title}}” (case {{caseId}}) is taking longer than our target time. We apologise for the delay.",
        "We have escalated the case within our support team so that it gets priority, and we will update you as soon as possible.",
      ],
    },
  },
  supportTerms: { heading: "Our support terms", supportTypes: "Support we provide", serviceHours: "Service hours", contactMethods: "How to reach us", pricing: "Pricing" },
  billingContact: "Your billing questions are answered by {{billingContact}}.",
  serviceHours: { timeZone: "Times are in the {{timeZone}} time zone.", holidays: "Closed on public holidays: {{dates}}", none: "By arrangement (no regular service hours)." },
  contact: "If you have any questions, contact us at {{supportContact}}.",
  closing: "Kind regards,",
  signature: "{{partnerName}} Support",
  footer: "This is an automated message about your support request. When you reply, please keep “[Case #{{caseId}}]” in the subject.",
};
