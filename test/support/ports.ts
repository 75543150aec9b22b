/**
 * Free TCP ports on 127.0.0.1 for servers that tests (and the benchmark) start as separate
 * processes, which bind their port some time after it was chosen.
 *
 * A port from `listen(0)` lies in the system's ephemeral range, the same range every outgoing
 * connection takes its local port from: between choosing it and the child binding it (seconds for
 * the local host, which starts after Azurite, MailDev and the partner registration), any
 * connection on a busy machine can take it, and the child fails with EADDRINUSE. So ports are
 * chosen at random BELOW the ephemeral range (Linux: `/proc/sys/net/ipv4/ip_local_port_range`;
 * elsewhere 49152, the IANA dynamic range) and above {@link MIN_TEST_PORT}, clear of the defaults
 * of `npm start`, and each is checked by binding it. Only another process choosing the same way
 * can still collide; starters retry on new ports then.
 */
import fs from "node:fs";
import net from "node:net";

/** Lowest port chosen (above every default port of `npm start`: 1025, 1080, 2525, 7071, 10000–10002, 17071). */
export const MIN_TEST_PORT = 20000;

/** First port of the system's ephemeral range. */
export function ephemeralRangeStart(): number {
  try {
    const low = Number(fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > MIN_TEST_PORT + 1000) return low;
  } catch {
    // not Linux
  }
  return 49152;
}

/** Whether 127.0.0.1:`port` can be bound now (nothing else holds it). */
export function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen({ port, host: "127.0.0.1", exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/**
 * `count` distinct ports of 127.0.0.1 that could be bound when checked, chosen at random between
 * {@link MIN_TEST_PORT} and the start of the ephemeral range.
 * @throws Error when 200 candidates in a row were taken.
 */
export async function getFreePorts(count: number): Promise<number[]> {
  const high = ephemeralRangeStart() - 1;
  const chosen = new Set<number>();
  for (let tries = 0; chosen.size < count; tries++) {
    if (tries >= 200 + count) throw new Error(`No free port between ${MIN_TEST_PORT} and ${high} after ${tries} tries`);
    const port = MIN_TEST_PORT + Math.floor(Math.random() * (high - MIN_TEST_PORT + 1));
    if (!chosen.has(port) && (await canBind(port))) chosen.add(port);
  }
  return [...chosen];
}

/** One free port (see {@link getFreePorts}). */
export async function getFreePort(): Promise<number> {
  return (await getFreePorts(1))[0] as number;
}
