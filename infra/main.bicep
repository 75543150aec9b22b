// Subscription-scope deployment of the CSP support workflow, after Azure-Samples
// functions-quickstart-typescript-azd: Flex Consumption function app, storage (tables, queues,
// blobs for the Durable task hub and the app's case records), Azure Communication Services Email,
// Application Insights, and a user-assigned managed identity with one role assignment per role.
// Status: a reviewed starting point; not yet deployed from CI (no Azure access from the build machines).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; used to derive resource names.')
param environmentName string

@minLength(1)
@description('Primary location for all resources.')
param location string

@description('Data location of the Communication Services resource (e.g. Europe, United States).')
param acsDataLocation string = 'Europe'

@description('Object id of the operator who registers partners against Azure (Key Vault wrap/unwrap); empty for none.')
param operatorPrincipalId string = ''

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
  }
}

output AZURE_FUNCTION_APP_NAME string = app.outputs.functionAppName
output AZURE_STORAGE_ACCOUNT_NAME string = app.outputs.storageAccountName
output ACS_ENDPOINT string = app.outputs.acsEndpoint
output SECRETS_KEY_VAULT_KEY_ID string = secrets.outputs.keyId
