/**
 * `POST /api/partners/{partnerId}/support-requests`: the partner's signed webhook (Standard
 * Webhooks). Anonymous at the Functions level; authenticated by the signature over the raw body.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { CreateSupportRequestSchema, PartnerIdSchema } from "../../shared/contracts";
import { decodeUtf8Body, submitSupportRequest, verifyWebhook, webhookPayloadFingerprint } from "../../shared/services";
import { recordCustomerFromCase } from "../../shared/services/inboundEmail";
import type { Container } from "../../shared/container";
import { handleErrors, json, parseJsonBody, pathOf, withIdempotency, type HttpHandler, type WorkflowSource } from "./common";
import { invalidParamsFromZod, invalidPartnerIdProblem, notFoundProblem, ProblemTypes, unauthorizedProblem, validationProblem } from "./problem";

/** Challenge sent with a 401 of the webhook (no registered scheme exists for Standard Webhooks). */
export const WEBHOOK_CHALLENGE = 'Webhook-Signature realm="support-requests", headers="webhook-id webhook-timestamp webhook-signature"';

/** What the intake webhook uses: the partners' webhook secrets, the clock, idempotency, the use case's dependencies, the stored case and the customer directory. */
export type SubmitSupportRequestDeps = Pick<Container, "partners" | "clock" | "idempotency" | "supportRequestDeps" | "cases" | "customerDirectory">;

/**
 * Creates the intake handler. Steps, in order: unknown partner → 404; missing/invalid signature
 * over the raw body bytes or timestamp outside ±5 min → 401 (detail says which); body bytes not
 * UTF-8 → 400 naming `body` (a leading BOM is ignored); non-JSON media type → 415; body not JSON
 * → 400; invalid fields → 400 naming each (`errors[].pointer`); then 202
 * `{caseId, status: "received", statusUrl}` with `Location: statusUrl`.
 * Redeliveries are told apart by the `webhook-id` (Standard Webhooks senders keep it across
 * retries): the case is stored with its delivery id and the payload's fingerprint in one
 * transaction, so a `webhook-id` that created a case answers 202 with that case when the body is
 * the same bytes (concurrent deliveries included) and 422 naming `header:webhook-id` when it is
 * another body. No idempotency record is written for it: the delivery record is that record.
 * With an `Idempotency-Key` header as well, the first response is also kept under that key: a
 * replay returns it (plus `Idempotent-Replayed: true`); the same key with another body → 422; while
 * the first is running → 409.
 */
export function createSubmitSupportRequestHandler(deps: WorkflowSource<SubmitSupportRequestDeps>): HttpHandler {
  return (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> =>
    handleErrors(request, context, async () => {
      const container = deps.getContainer();
      const partnerId = request.params.partnerId ?? "";
      const instance = pathOf(request);
      if (!PartnerIdSchema.safeParse(partnerId).success) return invalidPartnerIdProblem(instance);
      // One read: the secrets verify the signature, the partner creates the case.
      const found = await container.partners.getPartnerWithCredentials(partnerId);
      if (!found) return notFoundProblem("No such partner.", instance);
      const { partner, credentials } = found;
      // The signature covers the bytes as sent: verify them first, decode only afterwards.
      const bytes = new Uint8Array(await request.arrayBuffer());
      const verification = verifyWebhook(credentials.webhookSecrets, bytes, request.headers, container.clock.now());
      if (!verification.ok) return unauthorizedProblem(verification.detail, WEBHOOK_CHALLENGE, ProblemTypes.signature, instance);
      const decoded = decodeUtf8Body(bytes);
      if (!decoded.ok) return validationProblem([{ pointer: "body", detail: decoded.detail }], instance);
      const raw = decoded.text;
      const body = parseJsonBody(request, raw);
      if (!body.ok) return body.response;
      const valid = CreateSupportRequestSchema.safeParse(body.value);
      if (!valid.success) return validationProblem(invalidParamsFromZod(valid.error.issues), instance);
      return withIdempotency(
        container,
        request,
        partnerId,
        raw,
        async () => {
          const result = await submitSupportRequest(container.supportRequestDeps(deps.getWorkflow(context)), partnerId, body.value, { webhookId: verification.webhookId, payloadFingerprint: webhookPayloadFingerprint(bytes), partner });
          context.log(`Support request ${result.caseId} received for partner ${partnerId}`);
          // The customer directory learns the customer of every case (email intake looks senders up there).
          const stored = result.created ?? (await container.cases.getCase(partnerId, result.caseId));
          if (stored) await recordCustomerFromCase({ directory: container.customerDirectory, clock: container.clock }, stored).catch((e: unknown) => context.warn(`Customer directory not updated for ${result.caseId}:`, e));
          return json(202, { caseId: result.caseId, status: result.status, statusUrl: result.statusUrl }, { Location: result.statusUrl });
        },
      );
    });
}
