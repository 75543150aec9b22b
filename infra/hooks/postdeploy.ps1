# azd postdeploy hook (azure.yaml), PowerShell: subscribes the inbound-email container to the
# ProcessInboundEmail blob trigger. Flex Consumption runs blob triggers only from Event Grid, and the
# webhook needs the app's blobs_extension system key, which exists once the app is deployed and its
# host has started (as Azure-Samples/functions-quickstart-typescript-azd-eventgrid-blob does in
# scripts/post-up.ps1). Idempotent: creating an existing subscription updates it.
$ErrorActionPreference = "Stop"

if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
  Write-Error "The Azure CLI (az) is required for the Event Grid subscription (docs/deploy.md)."
  exit 1
}

# azd passes its environment to hooks; read a value from `azd env get-value` when run by hand.
function Get-AzdValue([string] $name) {
  $current = [Environment]::GetEnvironmentVariable($name)
  if (-not $current) { $current = (& azd env get-value $name 2>$null) }
  if (-not $current) { Write-Error "$name is not set (run azd provision first)."; exit 1 }
  return $current.Trim()
}

$app = Get-AzdValue "AZURE_FUNCTION_APP_NAME"
$group = Get-AzdValue "RESOURCE_GROUP"
$topic = Get-AzdValue "INBOUND_EMAIL_SYSTEM_TOPIC_NAME"
$container = Get-AzdValue "INBOUND_EMAIL_CONTAINER_NAME"
$baseUrl = Get-AzdValue "SERVICE_API_BASE_URL"

# The key appears when the host first starts with the blob extension: wait up to 5 minutes.
$key = ""
for ($attempt = 1; $attempt -le 30 -and -not $key; $attempt++) {
  $key = (& az functionapp keys list --name $app --resource-group $group --query "systemKeys.blobs_extension" --output tsv 2>$null)
  if (-not $key) {
    Write-Host "Waiting for the blobs_extension system key of $app ($attempt/30)..."
    Start-Sleep -Seconds 10
  }
}
if (-not $key) {
  Write-Error "$app has no blobs_extension system key; is the app running? Run this hook again: azd hooks run postdeploy"
  exit 1
}

# Quoted as one argument: the URL's & must reach az intact.
$endpoint = "`"$baseUrl/runtime/webhooks/blobs?functionName=Host.Functions.ProcessInboundEmail&code=$($key.Trim())`""
# The subject ends with /blobs/ so that inbound-email-quarantine (same prefix) is not included.
& az eventgrid system-topic event-subscription create `
  --name inbound-email-to-function `
  --resource-group $group `
  --system-topic-name $topic `
  --endpoint-type webhook `
  --endpoint $endpoint `
  --included-event-types Microsoft.Storage.BlobCreated `
  --subject-begins-with "/blobServices/default/containers/$container/blobs/" `
  --max-delivery-attempts 30 `
  --event-ttl 1440 `
  --output none
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }

Write-Host "Event Grid subscription inbound-email-to-function: $container -> ProcessInboundEmail on $app."
