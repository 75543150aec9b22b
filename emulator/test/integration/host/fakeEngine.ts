/**
 * In-memory stand-in for the Durable engine, used ONLY to test the host's HTTP routing and auth of
 * the management API (the real engine lives in emulator/durable/). It records every call.
 */
import path from "node:path";
import type { ControlResult, DurableEngine, InstanceQuery, InstanceStatus, RaiseEventResult, RuntimeStatus } from "../../../durable/types";

const TERMINAL: ReadonlySet<RuntimeStatus> = new Set(["Completed", "Failed", "Terminated"]);

/** Fake engine with helpers to put instances in a given state. */
export class FakeEngine implements DurableEngine {
  readonly instances = new Map<string, InstanceStatus>();
  readonly events: Array<{ instanceId: string; eventName: string; eventData: unknown }> = [];
  readonly calls: string[] = [];
  started = false;
  private clock = Date.parse("2030-01-01T00:00:00.000Z");

  /** @param taskHubName - hub name reported. @param orchestrators - names startNew accepts. */
  constructor(
    readonly taskHubName: string,
    private readonly orchestrators: ReadonlySet<string>,
  ) {}

  async start(): Promise<void> {
    this.started = true;
  }

  async stop(): Promise<void> {
    this.started = false;
  }

  async startNew(name: string, options: { instanceId?: string; input?: unknown } = {}): Promise<string> {
    this.calls.push(`startNew:${name}`);
    if (!this.orchestrators.has(name)) throw Object.assign(new Error(`Orchestrator "${name}" is not registered.`), { code: "OrchestratorNotFound" });
    const id = options.instanceId ?? `fake${this.instances.size}`;
    const existing = this.instances.get(id);
    if (existing && !TERMINAL.has(existing.runtimeStatus)) {
      throw Object.assign(new Error(`An instance with ID "${id}" already exists.`), { code: "InstanceExists" });
    }
    const now = new Date((this.clock += 1000)).toISOString();
    this.instances.set(id, {
      name,
      instanceId: id,
      runtimeStatus: "Running",
      createdTime: now,
      lastUpdatedTime: now,
      input: options.input ?? null,
      output: null,
      customStatus: null,
    });
    return id;
  }

  /** Forces an instance into a status (test setup). */
  setStatus(id: string, runtimeStatus: RuntimeStatus, output: unknown = null): void {
    const s = this.instances.get(id);
    if (!s) throw new Error(`no instance ${id}`);
    this.instances.set(id, { ...s, runtimeStatus, output, lastUpdatedTime: new Date((this.clock += 1000)).toISOString() });
  }

  async getStatus(id: string, options: { showInput?: boolean } = {}): Promise<InstanceStatus | undefined> {
    const s = this.instances.get(id);
    if (!s) return undefined;
    return { ...s, input: options.showInput === false ? null : s.input };
  }

  async listInstances(query: InstanceQuery): Promise<{ instances: InstanceStatus[]; continuationToken?: string }> {
    this.calls.push(`list:${JSON.stringify(query)}`);
    const all = [...this.instances.values()]
      .filter((s) => !query.runtimeStatus || query.runtimeStatus.includes(s.runtimeStatus))
      .filter((s) => !query.instanceIdPrefix || s.instanceId.startsWith(query.instanceIdPrefix))
      .filter((s) => !query.createdTimeFrom || s.createdTime >= query.createdTimeFrom)
      .filter((s) => !query.createdTimeTo || s.createdTime <= query.createdTimeTo)
      .sort((a, b) => a.createdTime.localeCompare(b.createdTime));
    const offset = Number(query.continuationToken ?? "0");
    const top = query.top ?? 100;
    const page = all.slice(offset, offset + top).map((s) => ({ ...s, input: query.showInput === false ? null : s.input }));
    return { instances: page, continuationToken: offset + top < all.length ? String(offset + top) : undefined };
  }

  async raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<RaiseEventResult> {
    const s = this.instances.get(instanceId);
    if (!s) return "notFound";
    if (TERMINAL.has(s.runtimeStatus)) return "gone";
    this.events.push({ instanceId, eventName, eventData });
    return "accepted";
  }

  private control(id: string, from: (s: RuntimeStatus) => boolean, to: RuntimeStatus, op: string): ControlResult {
    this.calls.push(`${op}:${id}`);
    const s = this.instances.get(id);
    if (!s) return "notFound";
    if (!from(s.runtimeStatus)) return "gone";
    this.setStatus(id, to, s.output);
    return "accepted";
  }

  async terminate(id: string, reason?: string): Promise<ControlResult> {
    return this.control(id, (s) => !TERMINAL.has(s), "Terminated", `terminate(${reason ?? ""})`);
  }

  async suspend(id: string, reason?: string): Promise<ControlResult> {
    return this.control(id, (s) => !TERMINAL.has(s), "Suspended", `suspend(${reason ?? ""})`);
  }

  async resume(id: string, reason?: string): Promise<ControlResult> {
    return this.control(id, (s) => !TERMINAL.has(s), "Running", `resume(${reason ?? ""})`);
  }

  async rewind(id: string, reason?: string): Promise<ControlResult> {
    return this.control(id, (s) => s === "Failed", "Running", `rewind(${reason ?? ""})`);
  }

  async purgeInstance(id: string): Promise<number> {
    const s = this.instances.get(id);
    if (!s || !TERMINAL.has(s.runtimeStatus)) return 0;
    this.instances.delete(id);
    return 1;
  }

  async purgeInstances(query: { createdTimeFrom?: string; createdTimeTo?: string; runtimeStatus?: RuntimeStatus[] }): Promise<number> {
    let n = 0;
    for (const s of [...this.instances.values()]) {
      if (!TERMINAL.has(s.runtimeStatus)) continue;
      if (query.runtimeStatus && !query.runtimeStatus.includes(s.runtimeStatus)) continue;
      if (query.createdTimeFrom && s.createdTime < query.createdTimeFrom) continue;
      if (query.createdTimeTo && s.createdTime > query.createdTimeTo) continue;
      this.instances.delete(s.instanceId);
      n++;
    }
    return n;
  }

  async waitForCompletion(id: string): Promise<InstanceStatus | undefined> {
    return this.getStatus(id);
  }
}

/** Absolute path of the fixture app. */
export const FIXTURE_APP_DIR = path.join(__dirname, "..", "..", "fixtures", "host-app");

/** Fixed keys for the tests (explicit keys win over settings). */
export const TEST_KEYS = { hostKey: "test-host-key", masterKey: "test-master-key", durableTaskSystemKey: "test-system-key" } as const;
