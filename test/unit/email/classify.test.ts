/** Keyword classification in en, hu, cs, pl, ru (new requests by email). */
import { Categories, ProductIds, Severities } from "../../../shared/contracts";
import { DEFAULT_CATEGORY, DEFAULT_PRODUCT, DEFAULT_SEVERITY, classifyRequest, foldText } from "../../../shared/domain/email";
import requests from "../../fixtures/demo/requests.json";

describe("classifyRequest", () => {
  it("defaults: microsoft-365, technical, C, nothing matched", () => {
    expect(classifyRequest({ subject: "Question", text: "Hello, could you call me back?" })).toEqual({ product: DEFAULT_PRODUCT, category: DEFAULT_CATEGORY, severity: DEFAULT_SEVERITY, matched: [] });
    expect([DEFAULT_PRODUCT, DEFAULT_CATEGORY, DEFAULT_SEVERITY]).toEqual(["microsoft-365", "technical", "C"]);
  });

  it.each([
    ["en", "Invoice G0471 is wrong", "", "billing"],
    ["hu", "Hibás a számlánk", "", "billing"],
    ["hu without diacritics", "szamla osszege hibas", "", "billing"],
    ["cs", "Faktura za únor", "", "billing"],
    ["pl", "Faktury za luty", "", "billing"],
    ["ru", "Счёт за февраль", "", "billing"],
    ["ru (е for ё)", "Счет за февраль", "", "billing"],
    ["en", "Need 10 more licenses", "", "subscription-management"],
    ["en", "Cancel our subscription", "", "subscription-management"],
    ["hu", "Licencek bővítése", "", "subscription-management"],
    ["hu", "Előfizetés megújítása", "", "subscription-management"],
    ["cs", "Předplatné a licence", "", "subscription-management"],
    ["pl", "Dodatkowe licencje i subskrypcja", "", "subscription-management"],
    ["ru", "Продление подписки и лицензии", "", "subscription-management"],
    ["en", "Error when syncing", "", "technical"],
    ["hu", "Hiba a szinkronizálásban", "", "technical"],
    ["cs", "Chyba synchronizace", "", "technical"],
    ["pl", "Błąd synchronizacji", "", "technical"],
    ["ru", "Ошибка синхронизации", "", "technical"],
  ])("category (%s) %s → %s", (_lang, subject, text, category) => {
    expect(classifyRequest({ subject, text }).category).toBe(category);
  });

  it("subject keywords weigh more than body keywords; an outage counts as technical", () => {
    expect(classifyRequest({ subject: "Subscription renewal", text: "the invoice is attached" }).category).toBe("subscription-management");
    expect(classifyRequest({ subject: "VMs down", text: "Subscription: Production" }).category).toBe("technical");
    // tie → billing first
    expect(classifyRequest({ subject: "Invoice for our subscription", text: "" }).category).toBe("billing");
  });

  it.each([
    ["Azure VM will not start", "azure"],
    ["Azure SQL Database timeout", "azure"],
    ["SQL Server 2022 Always On failover", "sql-server"],
    ["Windows Server 2019 update fails", "windows-server"],
    ["Exchange 2019 certificate", "exchange-server"],
    ["Exchange Online mail flow", "microsoft-365"],
    ["SharePoint Server 2019 search", "sharepoint-server"],
    ["SharePoint site permissions", "microsoft-365"],
    ["Teams calls dropping", "microsoft-365"],
    ["OneDrive sync", "microsoft-365"],
    ["Office 365 E3 mailbox", "office-365"],
    ["Dynamics 365 Sales sync with Outlook", "dynamics-365"],
    ["Business Central posting error", "dynamics-365"],
    ["Power BI report refresh", "power-platform"],
    ["Power Automate flow fails", "power-platform"],
    ["Hiba a virtuális gépen", "azure"],
    ["Не работают виртуальные машины", "azure"],
    ["Awaria maszyny wirtualnej", "azure"],
  ])("product: %s → %s", (subject, product) => {
    expect(classifyRequest({ subject, text: "" }).product).toBe(product);
  });

  it.each([
    ["en", "Outage of production VMs, urgent", "A"],
    ["hu", "Leállás az éles rendszerben, sürgős!", "A"],
    ["cs", "Výpadek produkčního prostředí, kritické", "A"],
    ["pl", "Awaria, pilne!", "A"],
    ["ru", "Сбой почты, срочно", "A"],
    ["en", "Service unavailable", "B"],
    ["hu", "Nem működik a levelezés", "B"],
    ["cs", "Nefunguje přihlášení", "B"],
    ["pl", "Teams nie działa", "B"],
    ["ru", "Почта недоступна", "B"],
    ["en", "Urgent question about invoice", "B"],
    ["en", "How do I add a user?", "C"],
  ])("severity (%s) %s → %s", (_lang, subject, severity) => {
    expect(classifyRequest({ subject, text: "" }).severity).toBe(severity);
  });

  it("lists the keywords that decided, with their dimension", () => {
    expect(classifyRequest({ subject: "Sürgős: leállt az Exchange Online", text: "" }).matched).toEqual([
      "category:technical/leáll",
      "product:microsoft-365/exchange online",
      "severity:outage/leállt",
      "severity:urgent/sürgős",
    ]);
  });

  it("only returns contract values", () => {
    for (const text of ["", "invoice", "licenc", "awaria pilne", "SQL Server", "dynamics", "сбой срочно"]) {
      const c = classifyRequest({ subject: text, text });
      expect(ProductIds).toContain(c.product);
      expect(Categories).toContain(c.category);
      expect(Severities).toContain(c.severity);
    }
  });

  it("agrees with the demo requests' product and category (titles and descriptions written by people)", () => {
    const agreed = requests.filter((r) => {
      const c = classifyRequest({ subject: r.request.title, text: r.request.description });
      return c.product === r.request.product && c.category === r.request.category;
    });
    expect(agreed.map((r) => r.request.title)).toEqual(requests.map((r) => r.request.title));
  });

  it("folds diacritics, case and ё", () => {
    expect(foldText("Számlán ŐŰ Счёт Błąd")).toBe("szamlan ou счет bład");
  });

  it("reads at most the first 20,000 characters of the body", () => {
    expect(classifyRequest({ subject: "", text: `${"x ".repeat(10000)} invoice` }).category).toBe("technical");
  });
});
