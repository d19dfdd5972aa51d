/**
 * A port a test hands to upkeep as fixed (UPKEEP_DEV_PORT, UPKEEP_DEV_UI_PORT): one free now and
 * below the kernel's ephemeral range (32768-60999 on Linux), which every port-0 listener and
 * outgoing connection of the other test processes draws from. A port found there by freePort()
 * can be handed to another process during the seconds before `npm start` binds it; a fixed port is
 * never retried (a port the user chose fails at once), so the test would fail on another's luck.
 */
import net from 'node:net';

const LOW = 20_000;
const HIGH = 32_000;

function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** A port free when chosen, outside the ephemeral range, other than `except`. */
export async function fixedPort(except: number[] = [], host = '127.0.0.1'): Promise<number> {
  for (let tries = 0; tries < 1000; tries++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (!except.includes(port) && (await bindable(port, host))) return port;
  }
  throw new Error(`no free port between ${LOW} and ${HIGH} on ${host}`);
}
