// Resource-group-scope resources of the CSP support workflow.
// Not compiled on the build machines (no Bicep CLI there): each resource was reviewed line by line
// against Azure-Samples/functions-quickstart-typescript-azd (infra/main.bicep, app/api.bicep,
// app/rbac.bicep), Azure-Samples/functions-quickstart-typescript-azd-eventgrid-blob (event grid
// system topic, containers, postdeploy subscription) and the resource references of
// Microsoft.Web/sites, Microsoft.Web/sites/config, Microsoft.EventGrid/systemTopics and
// Microsoft.Communication/emailServices/domains (see docs/deploy.md "Infrastructure review").
param location string
param tags object
param resourceToken string
param acsDataLocation string
@description('Versionless id of the Key Vault key that wraps the data keys of secrets at rest (modules/secrets.bicep).')
param secretsKeyId string

@description('Object id of the operator who runs azd up and register-partner: gets the storage data roles (shared-key access is off); empty for none.')
param operatorPrincipalId string = ''

@description('Principal type of operatorPrincipalId.')
@allowed([ 'User', 'Group', 'ServicePrincipal' ])
param operatorPrincipalType string = 'User'

@description('EMAIL_SENDER_ADDRESS: the platform sender; empty for DoNotReply@ the Azure-managed domain.')
param emailSenderAddress string = ''

@description('EMAIL_SENDER_LINKED_DOMAINS: comma-separated custom domains linked to the ACS resource, whose partners send as themselves.')
param emailSenderLinkedDomains string = ''

@description('Durable Functions task hub name (TASK_HUB_NAME).')
param taskHubName string = 'CspSupportHub'

var storageName = 'st${resourceToken}'
var deploymentContainer = 'app-package'
// Blob containers of the email intake (shared/contracts/inboundEmail.ts).
var inboundEmailContainer = 'inbound-email'
var appContainers = [ inboundEmailContainer, 'inbound-email-quarantine', 'case-attachments' ]

// Built-in roles (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
var storageDataRoles = [ storageBlobDataOwner, storageQueueDataContributor, storageTableDataContributor ]

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${resourceToken}'
  location: location
  tags: tags
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${resourceToken}'
  location: location
  tags: tags
  properties: { retentionInDays: 30, sku: { name: 'PerGB2018' } }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${resourceToken}'
  location: location
  tags: tags
  kind: 'web'
  properties: { Application_Type: 'web', WorkspaceResourceId: logs.id, DisableLocalAuth: true }
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // As the templates without a virtual network: public endpoint, Azure services (Event Grid) allowed.
    networkAcls: { defaultAction: 'Allow', bypass: 'AzureServices' }
  }
  resource blobs 'blobServices' = {
    name: 'default'
    resource deployment 'containers' = { name: deploymentContainer }
  }
}

// The email intake's containers exist from the start: relays write to inbound-email before the
// app ever runs, and the Event Grid subscription filters on it.
resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for name in appContainers: {
  parent: storage::blobs
  name: name
}]

// Flex Consumption runs blob triggers only from Event Grid: the storage account's system topic;
// its subscription to the blobs_extension webhook of ProcessInboundEmail is created after deploy
// (infra/hooks/postdeploy.*), once the app's blobs_extension system key exists.
resource storageEvents 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: 'evgt-${resourceToken}'
  location: location
  tags: tags
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

resource acs 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: 'acs-${resourceToken}'
  location: 'global'
  tags: tags
  properties: { dataLocation: acsDataLocation, linkedDomains: [ emailDomain.id ] }
}

resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: 'ecs-${resourceToken}'
  location: 'global'
  tags: tags
  properties: { dataLocation: acsDataLocation }
}

// Azure-managed domain for a first deployment: sends only as DoNotReply@<guid>.azurecomm.net
// (mailFromSenderDomain), at low default limits; partners' verified custom domains are added and
// linked later (docs/deploy.md "The ACS sender").
resource emailDomain 'Microsoft.Communication/emailServices/domains@2023-04-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  properties: { domainManagement: 'AzureManaged', userEngagementTracking: 'Disabled' }
}

var platformSender = empty(emailSenderAddress) ? 'DoNotReply@${emailDomain.properties.mailFromSenderDomain}' : emailSenderAddress

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${resourceToken}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: 'func-${resourceToken}'
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: { type: 'UserAssigned', userAssignedIdentities: { '${identity.id}': {} } }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identity.id }
        }
      }
      scaleAndConcurrency: { maximumInstanceCount: 100, instanceMemoryMB: 2048 }
      // Node.js 22 (Node 20 reaches end of life on 30 April 2026), as the current quickstart template.
      runtime: { name: 'node', version: '22' }
    }
    siteConfig: { alwaysOn: false }
    // Key Vault references in app settings (`@Microsoft.KeyVault(…)`: PARTNER_CENTER_CLIENT_SECRET,
    // STATUS_LINK_KEYS) are read with this user-assigned identity; without it the platform tries a
    // system-assigned identity the app does not have and leaves every reference unresolved.
    keyVaultReferenceIdentity: identity.id
  }
}

// App settings as a child deployment (as the AVM web/site module the templates use does), so that
// PUBLIC_BASE_URL can take the site's defaultHostName: new apps get a unique default host name
// (<name>-<hash>.<region>-01.azurewebsites.net), not <name>.azurewebsites.net. Merged into the
// settings the app has (modules/appSettings.bicep): what an operator set by hand survives a provision.
module appSettings 'appSettings.bicep' = {
  name: 'appsettings-${resourceToken}'
  params: {
    appName: functionApp.name
    currentAppSettings: list('${functionApp.id}/config/appsettings', '2024-04-01').properties
    appSettings: {
      AzureWebJobsStorage__accountName: storage.name
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identity.properties.clientId
      APPLICATIONINSIGHTS_CONNECTION_STRING: insights.properties.ConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
      TASK_HUB_NAME: taskHubName
      EMAIL_PROVIDER: 'acs'
      ACS_ENDPOINT: 'https://${acs.properties.hostName}'
      EMAIL_SENDER_ADDRESS: platformSender
      EMAIL_SENDER_LINKED_DOMAINS: emailSenderLinkedDomains
      INBOUND_EMAIL_BLOB_SOURCE: 'EventGrid'
      AZURE_CLIENT_ID: identity.properties.clientId
      PUBLIC_BASE_URL: 'https://${functionApp.properties.defaultHostName}'
      SECRETS_KEY_VAULT_KEY_ID: secretsKeyId
    }
  }
}

// The app's identity: Storage Blob Data Owner (deployment package, Durable lease blobs, email
// intake containers), Storage Queue Data Contributor (Durable control and work-item queues),
// Storage Table Data Contributor (Durable history and instances, the app's tables).
resource appStorageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in storageDataRoles: {
  name: guid(storage.id, identity.id, role)
  scope: storage
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
  }
}]

// The operator (deployer() by default, as the templates' user identity): the same data roles, so
// register-partner and the inspection of the intake containers work from their machine with
// shared-key access off.
resource operatorStorageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in storageDataRoles: if (!empty(operatorPrincipalId)) {
  name: guid(storage.id, operatorPrincipalId, role)
  scope: storage
  properties: {
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
  }
}]

// Monitoring Metrics Publisher: Application Insights with Entra ID authentication.
resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, identity.id, '3913510d-42f4-4e42-8a64-420c390055eb')
  scope: insights
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '3913510d-42f4-4e42-8a64-420c390055eb')
  }
}

// Contributor on the Communication Services resource only: ACS Email's documented role for sending
// with a managed identity (Microsoft.Communication/CommunicationServices/Write). Narrow to a custom
// role when the partner's policy requires it.
resource acsSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(acs.id, identity.id, 'b24988ac-6180-42a0-ab88-20f7382dd24c')
  scope: acs
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b24988ac-6180-42a0-ab88-20f7382dd24c')
  }
}

output functionAppName string = functionApp.name
@description('https://<defaultHostName>: the app\'s origin (PUBLIC_BASE_URL).')
output baseUrl string = 'https://${functionApp.properties.defaultHostName}'
output identityPrincipalId string = identity.properties.principalId
output storageAccountName string = storage.name
output acsEndpoint string = 'https://${acs.properties.hostName}'
@description('The Azure-managed domain\'s MAIL FROM (RFC 5321) domain, <guid>.azurecomm.net.')
output mailFromSenderDomain string = emailDomain.properties.mailFromSenderDomain
output emailSenderAddress string = platformSender
output inboundEmailContainerName string = inboundEmailContainer
output inboundEmailSystemTopicName string = storageEvents.name
output taskHubName string = taskHubName
