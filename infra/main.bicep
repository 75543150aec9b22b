// Subscription-scope deployment of the CSP support workflow, after Azure-Samples
// functions-quickstart-typescript-azd: Flex Consumption function app, storage (tables, queues,
// blobs for the Durable task hub and the app's case records), Azure Communication Services Email,
// Application Insights, and a user-assigned managed identity with one role assignment per role.
// Status: a reviewed starting point; not yet deployed from CI (no Azure access from the build machines)
// and not compiled here (no Bicep CLI): reviewed line by line against the templates named in
// modules/app.bicep (docs/deploy.md "Infrastructure review").
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; used to derive resource names.')
param environmentName string

// Regions that offer the Flex Consumption plan: the list of Azure-Samples/functions-quickstart-typescript-azd
// (infra/main.bicep, February 2026) without its early-access region eastus2euap. Regions are added
// over time: `az functionapp list-flexconsumption-locations` lists the current ones
// (https://learn.microsoft.com/azure/azure-functions/flex-consumption-how-to#view-currently-supported-regions).
@minLength(1)
@description('Primary location for all resources; a region that offers Flex Consumption.')
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Data location of the Communication Services resource (e.g. Europe, United States).')
param acsDataLocation string = 'Europe'

@description('Object id of the operator who runs azd up and registers partners: storage data roles and Key Vault wrap/unwrap. Default: the deploying principal, as the templates\' principalId; empty for none.')
param operatorPrincipalId string = deployer().objectId

@description('Principal type of operatorPrincipalId: User when a person runs azd up, ServicePrincipal from a pipeline.')
@allowed([ 'User', 'Group', 'ServicePrincipal' ])
param operatorPrincipalType string = 'User'

@description('EMAIL_SENDER_ADDRESS of the app; empty for DoNotReply@ the Azure-managed domain (its mailFromSenderDomain).')
param emailSenderAddress string = ''

@description('EMAIL_SENDER_LINKED_DOMAINS of the app: comma-separated custom domains linked to the ACS resource.')
param emailSenderLinkedDomains string = ''

var abbrs = {
  resourceGroup: 'rg-'
  functionApp: 'func-'
  plan: 'plan-'
  storage: 'st'
  identity: 'id-'
  insights: 'appi-'
  logs: 'log-'
  acs: 'acs-'
  email: 'ecs-'
}
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourceGroup}${environmentName}'
  location: location
  tags: tags
}

module app 'modules/app.bicep' = {
  name: 'app'
  scope: rg
  params: {
    location: location
    tags: tags
    resourceToken: resourceToken
    acsDataLocation: acsDataLocation
    secretsKeyId: 'https://${keyVaultName}${environment().suffixes.keyvaultDns}/keys/${secretsKeyName}'
    operatorPrincipalId: operatorPrincipalId
    operatorPrincipalType: operatorPrincipalType
    emailSenderAddress: emailSenderAddress
    emailSenderLinkedDomains: emailSenderLinkedDomains
  }
}

// Key Vault with the key encryption key of secrets at rest (modules/secrets.bicep).
var keyVaultName = 'kv-${resourceToken}'
var secretsKeyName = 'secrets-kek'
module secrets 'modules/secrets.bicep' = {
  name: 'secrets'
  scope: rg
  params: {
    location: location
    tags: tags
    vaultName: keyVaultName
    keyName: secretsKeyName
    appPrincipalId: app.outputs.identityPrincipalId
    operatorPrincipalId: operatorPrincipalId
    operatorPrincipalType: operatorPrincipalType
  }
}

// azd writes these to the environment (`azd env get-values`): the postdeploy hook and
// register-partner read them (docs/deploy.md).
output RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = app.outputs.functionAppName
output SERVICE_API_BASE_URL string = app.outputs.baseUrl
output AZURE_STORAGE_ACCOUNT_NAME string = app.outputs.storageAccountName
output ACS_ENDPOINT string = app.outputs.acsEndpoint
output ACS_MAIL_FROM_SENDER_DOMAIN string = app.outputs.mailFromSenderDomain
output EMAIL_SENDER_ADDRESS string = app.outputs.emailSenderAddress
output INBOUND_EMAIL_CONTAINER_NAME string = app.outputs.inboundEmailContainerName
output INBOUND_EMAIL_SYSTEM_TOPIC_NAME string = app.outputs.inboundEmailSystemTopicName
output TASK_HUB_NAME string = app.outputs.taskHubName
output SECRETS_KEY_VAULT_KEY_ID string = secrets.outputs.keyId
output SECRETS_KEY_VAULT_NAME string = secrets.outputs.vaultName
// Not a secret: the reference an operator sets as PARTNER_CENTER_CLIENT_SECRET once the secret is stored.
output PARTNER_CENTER_CLIENT_SECRET_REFERENCE string = secrets.outputs.partnerCenterClientSecretReference
