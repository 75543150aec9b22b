// Key Vault holding the key encryption key (KEK) of the app's secrets at rest (partners' webhook
// signing secrets are stored envelope-encrypted: AES-256-GCM data keys wrapped by this key with
// RSA-OAEP-256; see README "Security"). The key never leaves the vault: the app calls wrapKey and
// unwrapKey with its user-assigned managed identity, whose only key role is
// "Key Vault Crypto Service Encryption User" on this one key.
// The vault also holds the secrets an operator provides (the Partner Center client secret, the
// status link keys): the app setting is a Key Vault reference the platform resolves with the app's
// identity ("Key Vault Secrets User"), so the value is in no app setting, deployment or azd file.
// Rotation: the rotation policy makes a new version every year; the app wraps with the current
// version and unwraps with the version each secret records, and its daily maintenance reseals every
// secret under the current version, so older versions can be disabled after a day, without downtime.
// Not compiled on the build machines (no Bicep CLI there): reviewed against the Microsoft.KeyVault
// resource reference (vaults, vaults/keys 2023-07-01), the built-in role definitions and "Use Key
// Vault references as app settings" (Microsoft Learn: keyVaultReferenceIdentity, versionless references).

@description('Primary location for all resources.')
param location string

@description('Tags of every resource.')
param tags object

@minLength(3)
@maxLength(24)
@description('Key Vault name (globally unique, 3-24 letters, digits and hyphens).')
param vaultName string

@description('Name of the RSA key that wraps the data keys.')
param keyName string

@description('Principal (object) id of the function app\'s user-assigned managed identity.')
param appPrincipalId string

@description('Object id of an operator (user or group) who registers partners from their machine against Azure; empty for none.')
param operatorPrincipalId string = ''

@description('Principal type of operatorPrincipalId.')
@allowed([ 'User', 'Group', 'ServicePrincipal' ])
param operatorPrincipalType string = 'User'

// Key Vault Crypto Service Encryption User: read key metadata, wrapKey and unwrapKey; nothing else.
var cryptoServiceEncryptionUser = 'e147488a-f6f5-4113-8e2d-b22465e65bf6'
// Key Vault Secrets User: read secret values (the app's Key Vault references); no key operation.
var secretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
// Key Vault Secrets Officer: create, update and delete secrets (the operator stores the app's
// operator-provided secrets); no key operation.
var secretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

@description('Name of the secret holding the Partner Center app registration\'s client secret; the operator stores it (docs/deploy.md).')
param partnerCenterSecretName string = 'partner-center-client-secret'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: vaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    // Azure RBAC instead of access policies: one role assignment per principal and role.
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // A deleted KEK would make every sealed secret unreadable: purge protection keeps it recoverable.
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
    networkAcls: { defaultAction: 'Allow', bypass: 'AzureServices' }
  }
}

resource kek 'Microsoft.KeyVault/vaults/keys@2023-07-01' = {
  parent: vault
  name: keyName
  properties: {
    kty: 'RSA'
    keySize: 3072
    keyOps: [ 'wrapKey', 'unwrapKey' ]
    rotationPolicy: {
      attributes: { expiryTime: 'P2Y' }
      lifetimeActions: [
        { trigger: { timeAfterCreate: 'P1Y' }, action: { type: 'rotate' } }
        { trigger: { timeBeforeExpiry: 'P30D' }, action: { type: 'notify' } }
      ]
    }
  }
}

// Key Vault Crypto Service Encryption User on the KEK only: the app wraps and unwraps data keys.
resource appKekUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(kek.id, appPrincipalId, cryptoServiceEncryptionUser)
  scope: kek
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', cryptoServiceEncryptionUser)
  }
}

// Key Vault Crypto Service Encryption User on the KEK for the operator who runs register-partner.
resource operatorKekUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(kek.id, operatorPrincipalId, cryptoServiceEncryptionUser)
  scope: kek
  properties: {
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', cryptoServiceEncryptionUser)
  }
}

// Key Vault Secrets User on the vault for the app: the platform resolves the app's Key Vault
// references (operator-provided secrets such as the Partner Center client secret and the status
// link keys) with the app's identity. The vault holds only this app's secrets and its KEK, which
// this role cannot use.
resource appSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, secretsUser)
  scope: vault
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUser)
  }
}

// Key Vault Secrets Officer on the vault for the operator: stores and rotates those secrets
// (`az keyvault secret set`), so their values never pass through a deployment or an app setting.
resource operatorSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(vault.id, operatorPrincipalId, secretsOfficer)
  scope: vault
  properties: {
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsOfficer)
  }
}

@description('The app setting value that reads the Partner Center client secret from this vault (versionless: the latest version, refreshed by the platform).')
output partnerCenterClientSecretReference string = '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${partnerCenterSecretName})'

@description('Versionless id of the KEK: the app setting SECRETS_KEY_VAULT_KEY_ID.')
output keyId string = '${vault.properties.vaultUri}keys/${kek.name}'
output vaultName string = vault.name
