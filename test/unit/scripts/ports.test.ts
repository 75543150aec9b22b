/**
 * Ports for the stack's children are chosen where no outgoing connection can take them before the
 * child binds (below the ephemeral range), distinct, and bindable.
 */
import net from "node:net";
import { ephemeralRangeStart, getFreePorts, MIN_TEST_PORT } from "../../support/ports";
import { allocateFreePorts, allocateFreePortSets, DEFAULT_STACK_PORTS } from "../../../scripts/lib/stack";

describe("free ports for the stack's children", () => {
  it("are distinct, bindable, above the defaults of npm start and below the range outgoing connections use", async () => {
    const ports = await getFreePorts(16);
    expect(new Set(ports).size).toBe(16);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(MIN_TEST_PORT);
      expect(port).toBeLessThan(ephemeralRangeStart());
    }
    expect(Math.max(...Object.values(DEFAULT_STACK_PORTS))).toBeLessThan(MIN_TEST_PORT);
    const stack = Object.values(await allocateFreePorts());
    expect(new Set(stack).size).toBe(8);
    for (const port of stack) expect(port).toBeLessThan(ephemeralRangeStart());
    // Two stacks started side by side share no port.
    const sets = await allocateFreePortSets(2);
    expect(sets).toHaveLength(2);
    expect(new Set(sets.flatMap((set) => Object.values(set))).size).toBe(16);

    // Why: an outgoing connection's local port comes from the ephemeral range, where listen(0) picks too.
    const server = net.createServer((s) => s.end()).listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const listenPort = (server.address() as net.AddressInfo).port;
    const socket = net.connect(listenPort, "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    try {
      expect(listenPort).toBeGreaterThanOrEqual(ephemeralRangeStart());
      expect(socket.localPort).toBeGreaterThanOrEqual(ephemeralRangeStart());
      // A chosen port is bindable exclusively right after it was chosen.
      const [port] = await getFreePorts(1);
      const probe = net.createServer().listen({ port, host: "127.0.0.1", exclusive: true });
      await new Promise((resolve, reject) => {
        probe.once("listening", resolve);
        probe.once("error", reject);
      });
      await new Promise((r) => probe.close(r));
    } finally {
      socket.destroy();
      server.close();
    }
  });
});
