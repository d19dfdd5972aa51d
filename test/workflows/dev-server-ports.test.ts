/**
 * A port found free can be taken before the dev server binds it (several test processes start
 * servers at once): startDevServer starts it again on fresh ports when the port was its to choose,
 * and says so; a port the caller fixed is not retried forever, and the error names the cause.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { resolveTemporalCli, startDevServer } from '../../workers/dev-server.js';
import { readSettings } from '../../workers/settings.js';

describe('the dev server when a port it was to use is taken', function () {
  this.timeout(120_000);
  let blocker: Server;
  let taken: number;
  before(async () => {
    // Whatever connects to it (the server probing its ports) is dropped at once.
    blocker = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    taken = (blocker.address() as { port: number }).port;
  });
  after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  it('starts again on other ports, twice at most, then says the address was in use', async function () {
    const cli = resolveTemporalCli({ settings: readSettings(process.env) });
    assert.ok(cli, 'the Temporal CLI is available (npm test installs it)');
    const lines: string[] = [];
    // The UI port is fixed and taken: every attempt meets it, so all three fail the same way.
    await assert.rejects(startDevServer({ cli, uiPort: taken, startTimeoutMs: 60_000, log: (l) => lines.push(l) }), (err: Error) => {
      assert.match(err.message, /^temporal dev server exited with code \d+ before it was ready:\n.*address already in use/s);
      return true;
    });
    assert.deepEqual(lines, [
      'upkeep: a port of the dev server was taken before it could bind it; starting it again on other ports',
      'upkeep: a port of the dev server was taken before it could bind it; starting it again on other ports',
    ]);
  });

  it('does not start again when the caller fixed the port', async function () {
    const cli = resolveTemporalCli({ settings: readSettings(process.env) })!;
    const lines: string[] = [];
    await assert.rejects(startDevServer({ cli, port: taken, startTimeoutMs: 60_000, log: (l) => lines.push(l) }), /address already in use/);
    assert.deepEqual(lines, []);
  });
});
