// The function app's application settings, merged into the settings it has: the keys given here
// are set (a changed value replaces the old one), every other key stays. A `Microsoft.Web/sites/config`
// `appsettings` resource replaces the whole collection, so without the merge each `azd provision`
// would delete what an operator set by hand (`az functionapp config appsettings set`, the portal:
// PARTNER_CENTER_*, API_RATE_LIMIT_PER_MINUTE, …). As the AVM module avm/res/web/site does it
// (config--appsettings: `union` of the current settings, read with `list()` by the caller, and the
// new ones); a key dropped from the template therefore stays on the app until removed by hand.
// Not compiled on the build machines (no Bicep CLI there).

@description('Name of the function app (Microsoft.Web/sites) in this resource group.')
param appName string

// Both secure: the current settings hold whatever an operator set (a client secret, a key), and
// plain object parameters are kept in the deployment history.
@secure()
@description('The app\'s settings before this deployment: list(\'<site id>/config/appsettings\', …).properties.')
param currentAppSettings object

@secure()
@description('The settings this template owns.')
param appSettings object

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: appName
}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: union(currentAppSettings, appSettings)
}
