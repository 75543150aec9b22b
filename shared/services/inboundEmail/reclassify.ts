/**
 * The partner corrects the rule-based classification of a request (issue 4: "classified by rules
 * … and can be corrected by the partner through the API").
 */
import { randomBytes } from "node:crypto";
import { ReclassifyRequestSchema, type SupportRequest } from "../../contracts";
import type { CaseRepository, Clock } from "../../ports";
import { ConflictError, NotFoundError, ValidationError } from "../errors";

/**
 * Changes product, category and/or severity of the partner's own case, with a `reclassified`
 * timeline entry naming the old and new values. The running orchestration keeps the SLA
 * deadlines it computed at intake; later activities read the new values.
 * @param body - `{product?, category?, severity?}` (at least one; no other fields).
 * @returns the case after the change (unchanged when the values were already set).
 * @throws ValidationError when the body is invalid.
 * @throws NotFoundError when the case is not the partner's.
 * @throws ConflictError when the case is closed.
 */
export async function reclassifySupportRequest(deps: { cases: CaseRepository; clock: Clock }, partnerId: string, caseId: string, body: unknown): Promise<SupportRequest> {
  const parsed = ReclassifyRequestSchema.safeParse(body);
  if (!parsed.success) throw new ValidationError(parsed.error.issues);
  const current = await deps.cases.getCase(partnerId, caseId);
  if (!current) throw new NotFoundError(`Support request ${caseId} not found`);
  if (current.status === "closed") throw new ConflictError("A closed request cannot be reclassified", current.status);
  const change = parsed.data;
  const from = { product: current.product, category: current.category, severity: current.severity };
  const to = { product: change.product ?? current.product, category: change.category ?? current.category, severity: change.severity ?? current.severity };
  if (from.product === to.product && from.category === to.category && from.severity === to.severity) return current;
  const at = deps.clock.now().toISOString();
  const changed = (Object.keys(to) as Array<keyof typeof to>).filter((k) => from[k] !== to[k]).map((k) => `${k} ${from[k]} → ${to[k]}`);
  return deps.cases.updateCase(
    partnerId,
    caseId,
    { entryId: `reclassified-${Date.parse(at)}-${randomBytes(4).toString("hex")}`, kind: "reclassified", at, summary: `Reclassified by the partner: ${changed.join(", ")}`, details: { from, to } },
    (c) => ({ ...c, ...to }),
  );
}
