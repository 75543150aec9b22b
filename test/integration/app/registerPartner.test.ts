/** Partner registration over real Table Storage: only hashes of API keys are stored; rotation keeps the previous credentials. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { TableClient } from "@azure/data-tables";
import { extractHolidaysIcsOption, mergeHolidays, readHolidaysFromIcs } from "../../../scripts/lib/partners";
import { parseICalHolidays } from "../../../shared/services/icalHolidays";
import { createContainer } from "../../../shared/container";
import { authenticatePartner, hashApiKey, verifyWebhook } from "../../../shared/services";
import { partnerDefinition, signWebhook, testConfig } from "./helpers";

const config = testConfig("reg");
const container = createContainer(config);

describe("registerPartner", () => {
  it("issues credentials once and stores the API key only as its SHA-256 hash", async () => {
    const result = await container.registerPartner(partnerDefinition("epsilon-partner"));
    expect(result.created).toBe(true);
    const creds = result.credentials!;
    expect(creds.webhookSecret).toMatch(/^whsec_/);
    expect(creds.apiKey).toMatch(/^csp_/);

    const table = TableClient.fromConnectionString(config.AzureWebJobsStorage, `${config.TABLE_PREFIX}Partners`, { allowInsecureConnection: true });
    const rows = [];
    for await (const e of table.listEntities()) rows.push(e);
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(creds.apiKey);
    expect(dump).not.toContain(creds.apiKey.slice(4));
    expect(dump).toContain(hashApiKey(creds.apiKey));
    expect(await authenticatePartner(container, "epsilon-partner", creds.apiKey)).toEqual({ kind: "authenticated", partnerId: "epsilon-partner" });
  });

  it("keeps existing credentials when registered again, unless asked to rotate", async () => {
    const first = (await container.registerPartner(partnerDefinition("zeta-partner"))).credentials!;
    const again = await container.registerPartner(partnerDefinition("zeta-partner", { name: "Zeta Renamed" }));
    expect(again.created).toBe(false);
    expect(again.credentials).toBeUndefined();
    expect(again.webhookSecret).toBe(first.webhookSecret);
    expect(again.partner.name).toBe("Zeta Renamed");

    const rotated = (await container.registerPartner(partnerDefinition("zeta-partner"), { rotate: true })).credentials!;
    expect(rotated.webhookSecret).not.toBe(first.webhookSecret);
    const stored = await container.partners.getCredentials("zeta-partner");
    expect(stored?.webhookSecrets).toEqual([rotated.webhookSecret, first.webhookSecret]);
    const body = "{}";
    expect(verifyWebhook(stored!.webhookSecrets, body, signWebhook(first.webhookSecret, body)).ok).toBe(true);
    expect(verifyWebhook(stored!.webhookSecrets, body, signWebhook(rotated.webhookSecret, body)).ok).toBe(true);
    expect((await authenticatePartner(container, "zeta-partner", first.apiKey)).kind).toBe("authenticated");
    expect((await authenticatePartner(container, "zeta-partner", rotated.apiKey)).kind).toBe("authenticated");

    const second = (await container.registerPartner(partnerDefinition("zeta-partner"), { rotate: true })).credentials!;
    expect((await authenticatePartner(container, "zeta-partner", first.apiKey)).kind).toBe("unauthorized");
    expect((await authenticatePartner(container, "zeta-partner", second.apiKey)).kind).toBe("authenticated");
  });

  it("rejects an invalid definition naming the fields", async () => {
    await expect(container.registerPartner({ ...partnerDefinition("eta-partner"), type: "indirect-reseller", senderEmail: "nope" })).rejects.toMatchObject({ code: "ValidationFailed", issues: expect.arrayContaining([expect.objectContaining({ path: ["senderEmail"] }), expect.objectContaining({ path: ["indirectProviderId"] })]) });
  });
});

describe("register-partner --holidays-ics", () => {
  const ics = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Test//Holidays//EN",
    "BEGIN:VEVENT",
    "UID:newyear@test",
    "DTSTART;VALUE=DATE:20260101",
    "RRULE:FREQ=YEARLY",
    "SUMMARY:New Year",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "UID:christmas@test",
    "DTSTART;VALUE=DATE:20261224",
    "DTEND;VALUE=DATE:20261227",
    "SUMMARY:Christmas",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "UID:meeting@test",
    "DTSTART:20260310T090000Z",
    "SUMMARY:Not a holiday (timed)",
    "END:VEVENT",
    "END:VCALENDAR",
    "",
  ].join("\r\n");

  it("takes the option out of the arguments (both spellings, repeatable) and rejects it without a path", () => {
    expect(extractHolidaysIcsOption(["p.json", "--holidays-ics", "hu.ics", "--rotate", "--holidays-ics=extra.ics"])).toEqual({ argv: ["p.json", "--rotate"], holidaysIcs: [path.resolve("hu.ics"), path.resolve("extra.ics")] });
    expect(extractHolidaysIcsOption(["p.json"])).toEqual({ argv: ["p.json"], holidaysIcs: [] });
    expect(() => extractHolidaysIcsOption(["p.json", "--holidays-ics"])).toThrow(/needs a path/);
    expect(() => extractHolidaysIcsOption(["p.json", "--holidays-ics", "--rotate"])).toThrow(/needs a path/);
  });

  it("merges the feed's all-day dates into the service-hours holidays and registers them", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ics-"));
    const file = path.join(dir, "hu.ics");
    fs.writeFileSync(file, ics);
    const holidays = readHolidaysFromIcs([file], parseICalHolidays, new Date("2026-05-01T00:00:00Z"));
    expect(holidays).toEqual(expect.arrayContaining(["2026-01-01", "2027-01-01", "2026-12-24", "2026-12-25", "2026-12-26"]));
    expect(holidays).not.toContain("2026-03-10");
    expect(holidays).not.toContain("2026-12-27");

    const base = partnerDefinition("ics-partner");
    const withOwn = { ...base, supportTerms: { ...base.supportTerms, serviceHours: { ...base.supportTerms.serviceHours, holidays: ["2026-03-15", "2026-12-24"] } } };
    const merged = mergeHolidays(withOwn, holidays);
    expect(merged.supportTerms.serviceHours.holidays).toEqual(["2026-01-01", "2026-03-15", "2026-12-24", "2026-12-25", "2026-12-26", "2027-01-01"]);
    const { partner } = await container.registerPartner(merged);
    expect(partner.supportTerms.serviceHours.holidays).toEqual(merged.supportTerms.serviceHours.holidays);
    expect((await container.partners.getPartner("ics-partner"))?.supportTerms.serviceHours.holidays).toContain("2026-12-25");

    fs.writeFileSync(file, "not a calendar");
    expect(() => readHolidaysFromIcs([file], parseICalHolidays)).toThrow(/hu\.ics is not a valid iCalendar file/);
    expect(() => readHolidaysFromIcs([path.join(dir, "missing.ics")], parseICalHolidays)).toThrow(/Cannot read/);
  });
});
