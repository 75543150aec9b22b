/** The text the dashboard shows under a timeline entry's summary (dashboard/src/timelineText.ts). */
import { writtenText } from "../../../dashboard/src/timelineText";

describe("the written text of a timeline entry", () => {
  it("is the inbox action's own text: an update's message, a diagnosis's notes, a resolution's summary, an escalation request's reason", () => {
    expect(writtenText({ summary: "The partner updated the customer.", details: { action: "update", message: "We are on it." } })).toBe("We are on it.");
    expect(writtenText({ summary: "The partner needs information from the customer.", details: { action: "diagnosis", outcome: "awaiting-customer", notes: "Which VM?" } })).toBe("Which VM?");
    expect(writtenText({ summary: "The request was resolved.", details: { action: "resolution", summary: "Replaced the disk." } })).toBe("Replaced the disk.");
    expect(writtenText({ summary: "Rule 2: billing is a commercial issue.", details: { action: "escalate", reason: "Needs Microsoft.", target: "microsoft" } })).toBe("Needs Microsoft.");
    expect(writtenText({ summary: "The customer replied.", details: { text: "vm-web-01\nin rg-prod" } })).toBe("vm-web-01\nin rg-prod");
  });

  it("is nothing when the summary already says it, the entry holds no text, or the text is blank", () => {
    expect(writtenText({ summary: "Reopened by the customer: Down again.", details: { action: "reopen", reason: "Down again." } })).toBeUndefined();
    expect(writtenText({ summary: "Call the customer back", details: { text: "Call the customer back", internal: true } })).toBeUndefined();
    expect(writtenText({ summary: "Request received; the partner is diagnosing it." })).toBeUndefined();
    expect(writtenText({ summary: "Status email sent.", details: { notificationKey: "received", seq: 3 } })).toBeUndefined();
    expect(writtenText({ summary: "The partner updated the customer.", details: { message: "  " } })).toBeUndefined();
  });
});
