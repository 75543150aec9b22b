#!/bin/sh
# azd postdeploy hook (azure.yaml): subscribes the inbound-email container to the ProcessInboundEmail
# blob trigger. Flex Consumption runs blob triggers only from Event Grid, and the webhook needs the
# app's blobs_extension system key, which exists once the app is deployed and its host has started
# (as Azure-Samples/functions-quickstart-typescript-azd-eventgrid-blob does in scripts/post-up.sh).
# Idempotent: creating an existing subscription updates it.
set -eu

if ! command -v az >/dev/null 2>&1; then
  echo "Error: the Azure CLI (az) is required for the Event Grid subscription (docs/deploy.md)." >&2
  exit 1
fi

# azd passes its environment to hooks; read a value from `azd env get-value` when run by hand.
value() {
  eval "current=\${$1:-}"
  if [ -z "$current" ]; then current=$(azd env get-value "$1" 2>/dev/null || true); fi
  if [ -z "$current" ]; then echo "Error: $1 is not set (run azd provision first)." >&2; exit 1; fi
  printf '%s' "$current"
}

app=$(value AZURE_FUNCTION_APP_NAME)
group=$(value RESOURCE_GROUP)
topic=$(value INBOUND_EMAIL_SYSTEM_TOPIC_NAME)
container=$(value INBOUND_EMAIL_CONTAINER_NAME)
base_url=$(value SERVICE_API_BASE_URL)

# The key appears when the host first starts with the blob extension: wait up to 30 × 10 s.
wait_seconds=${POSTDEPLOY_KEY_WAIT_SECONDS:-10}
key=""
attempt=0
while [ -z "$key" ] && [ "$attempt" -lt 30 ]; do
  key=$(az functionapp keys list --name "$app" --resource-group "$group" --query "systemKeys.blobs_extension" --output tsv 2>/dev/null || true)
  if [ -z "$key" ]; then
    attempt=$((attempt + 1))
    echo "Waiting for the blobs_extension system key of $app ($attempt/30)…"
    sleep "$wait_seconds"
  fi
done
if [ -z "$key" ]; then
  echo "Error: $app has no blobs_extension system key; is the app running? Run this hook again: azd hooks run postdeploy" >&2
  exit 1
fi

# The subject ends with /blobs/ so that inbound-email-quarantine (same prefix) is not included.
az eventgrid system-topic event-subscription create \
  --name inbound-email-to-function \
  --resource-group "$group" \
  --system-topic-name "$topic" \
  --endpoint-type webhook \
  --endpoint "$base_url/runtime/webhooks/blobs?functionName=Host.Functions.ProcessInboundEmail&code=$key" \
  --included-event-types Microsoft.Storage.BlobCreated \
  --subject-begins-with "/blobServices/default/containers/$container/blobs/" \
  --max-delivery-attempts 30 \
  --event-ttl 1440 \
  --output none

echo "Event Grid subscription inbound-email-to-function: $container → ProcessInboundEmail on $app."
