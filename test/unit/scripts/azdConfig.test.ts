/**
 * azure.yaml, .funcignore, the hooks and infra/ agree with each other and with how azd packages a
 * function app (azd's service_target_functionapp.go: `remoteBuild: false` is refused when the
 * service's .funcignore excludes node_modules; the zip is made of the `dist` folder). Bicep cannot
 * be compiled here; these checks read the files as text.
 */
import fs from "node:fs";
import path from "node:path";
import { findProjectRoot } from "../../../scripts/lib/partners";
import { CASE_ATTACHMENTS_CONTAINER, INBOUND_EMAIL_CONTAINER, INBOUND_EMAIL_QUARANTINE_CONTAINER } from "../../../shared/contracts";

const root = findProjectRoot(__dirname);
const read = (file: string): string => fs.readFileSync(path.join(root, file), "utf8");

describe("azd configuration", () => {
  const azureYaml = read("azure.yaml");

  it("deploys dist-package/ built by npm run package, without a remote build", () => {
    expect(azureYaml).toMatch(/^ {4}dist: dist-package$/m);
    expect(azureYaml).toMatch(/^ {4}remoteBuild: false$/m);
    expect(azureYaml.match(/run: npm run package$/gm)).toHaveLength(2);
    expect(JSON.parse(read("package.json")).scripts.package).toBe("npm run build && node dist/scripts/package.js");
  });

  it("keeps node_modules out of .funcignore (azd refuses remoteBuild: false otherwise)", () => {
    const patterns = read(".funcignore").split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
    expect(patterns.filter((p) => /node_modules/.test(p))).toEqual([]);
  });

  it("runs the postdeploy hooks that exist, in sh and PowerShell, with the outputs main.bicep declares", () => {
    for (const hook of ["./infra/hooks/postdeploy.sh", "./infra/hooks/postdeploy.ps1"]) {
      expect(azureYaml).toContain(`run: ${hook}`);
      expect(fs.existsSync(path.join(root, hook))).toBe(true);
    }
    const outputs = [...read("infra/main.bicep").matchAll(/^output (\w+) /gm)].map((m) => m[1]);
    for (const name of ["AZURE_FUNCTION_APP_NAME", "RESOURCE_GROUP", "INBOUND_EMAIL_SYSTEM_TOPIC_NAME", "INBOUND_EMAIL_CONTAINER_NAME", "SERVICE_API_BASE_URL"]) {
      expect(outputs).toContain(name);
      expect(read("infra/hooks/postdeploy.sh")).toContain(name);
      expect(read("infra/hooks/postdeploy.ps1")).toContain(name);
    }
    expect(outputs).toEqual(expect.arrayContaining(["AZURE_STORAGE_ACCOUNT_NAME", "SECRETS_KEY_VAULT_KEY_ID", "EMAIL_SENDER_ADDRESS", "ACS_MAIL_FROM_SENDER_DOMAIN"]));
  });

  it("sets every app setting the app needs on Azure, the blob trigger on Event Grid and Node 22", () => {
    const app = read("infra/modules/app.bicep");
    const settings = app.slice(app.indexOf("module appSettings"), app.indexOf("resource appStorageRoles"));
    for (const key of ["AzureWebJobsStorage__accountName", "TASK_HUB_NAME", "EMAIL_PROVIDER", "ACS_ENDPOINT", "EMAIL_SENDER_ADDRESS", "PUBLIC_BASE_URL", "SECRETS_KEY_VAULT_KEY_ID"]) expect(settings).toMatch(new RegExp(`^ {6}${key}: `, "m"));
    expect(settings).toContain("INBOUND_EMAIL_BLOB_SOURCE: 'EventGrid'");
    expect(settings).toContain("PUBLIC_BASE_URL: 'https://${functionApp.properties.defaultHostName}'");
    expect(settings).toContain("EMAIL_SENDER_ADDRESS: platformSender");
    expect(app).toContain("'DoNotReply@${emailDomain.properties.mailFromSenderDomain}'");
    expect(app).toContain("runtime: { name: 'node', version: '22' }");
    expect(app).toContain(`var inboundEmailContainer = '${INBOUND_EMAIL_CONTAINER}'`);
    expect(app).toContain(`var appContainers = [ inboundEmailContainer, '${INBOUND_EMAIL_QUARANTINE_CONTAINER}', '${CASE_ATTACHMENTS_CONTAINER}' ]`);
    expect(read(".nvmrc").trim()).toBe("22");
  });

  it("resolves Key Vault references with the app's identity, which may read the vault's secrets, and names the reference an operator sets", () => {
    const app = read("infra/modules/app.bicep");
    const site = app.slice(app.indexOf("resource functionApp 'Microsoft.Web/sites@"), app.indexOf("module appSettings"));
    expect(site).toMatch(/^ {4}keyVaultReferenceIdentity: identity\.id$/m);
    const secrets = read("infra/modules/secrets.bicep");
    // Key Vault Secrets User for the app, Secrets Officer for the operator, on the vault.
    expect(secrets).toContain("var secretsUser = '4633458b-17de-408a-b874-0445c86b69e6'");
    expect(secrets).toContain("var secretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'");
    const assignment = (name: string): string => secrets.slice(secrets.indexOf(`resource ${name} `), secrets.indexOf("\n}\n", secrets.indexOf(`resource ${name} `)));
    expect(assignment("appSecretsUser")).toMatch(/scope: vault\n[\s\S]*principalId: appPrincipalId\n[\s\S]*roleDefinitions', secretsUser\)/);
    expect(assignment("operatorSecretsOfficer")).toMatch(/if \(!empty\(operatorPrincipalId\)\)[\s\S]*scope: vault\n[\s\S]*roleDefinitions', secretsOfficer\)/);
    expect(secrets).toContain("output partnerCenterClientSecretReference string = '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${partnerCenterSecretName})'");
    const outputs = [...read("infra/main.bicep").matchAll(/^output (\w+) string = (.+)$/gm)].map((m) => [m[1], m[2]]);
    expect(outputs).toEqual(expect.arrayContaining([["SECRETS_KEY_VAULT_NAME", "secrets.outputs.vaultName"], ["PARTNER_CENTER_CLIENT_SECRET_REFERENCE", "secrets.outputs.partnerCenterClientSecretReference"]]));
  });

  it("merges its app settings into the app's (a provision keeps what an operator set), passing them as secure parameters", () => {
    const app = read("infra/modules/app.bicep");
    expect(app).toContain("module appSettings 'appSettings.bicep' = {");
    expect(app).toContain("currentAppSettings: list('${functionApp.id}/config/appsettings', '2024-04-01').properties");
    expect(app).not.toMatch(/resource \w+ 'Microsoft\.Web\/sites\/config@[^']+' = \{/);
    const module = read("infra/modules/appSettings.bicep");
    expect(module).toContain("properties: union(currentAppSettings, appSettings)");
    expect(module.match(/@secure\(\)\n(@description\([^\n]*\)\n)?param (currentAppSettings|appSettings) object/g)).toHaveLength(2);
  });
});
