/** `upkeep codec-server`: the Temporal UI's codec endpoint for encrypted payloads. */
import { UpkeepError } from '../../engine/errors.js';
import { payloadCodecs } from '../../workers/codec.js';
import { startCodecServer } from '../../workers/codec-server.js';
import { onStopRequest } from '../../workers/parent-watch.js';
import { settings } from '../context.js';

export async function codecServerCommand(o: { port: number; host: string; origin?: string[] }): Promise<void> {
  const s = settings();
  const [codec] = payloadCodecs(s);
  if (!codec) throw new UpkeepError('InvalidConfig', 'no payload keys: set UPKEEP_PAYLOAD_KEYS or UPKEEP_PAYLOAD_KEYS_FILE (see docs/payload-encryption.md)');
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new UpkeepError('InvalidConfig', `--port ${o.port} is not a port number`);
  const origins = o.origin ?? [`http://127.0.0.1:${s.devUiPort}`, `http://localhost:${s.devUiPort}`];
  const { server, url } = await startCodecServer({ codec, origins, port: o.port, host: o.host });
  console.log(`codec server at ${url} (POST /encode, /decode) for ${origins.join(', ')}; Ctrl-C stops it`);
  if (o.host !== '127.0.0.1' && o.host !== 'localhost' && o.host !== '::1')
    console.log(`warning: listening on ${o.host}: anyone who reaches it can decrypt payloads`);
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
  };
  onStopRequest(stop);
  await new Promise((resolve) => server.on('close', resolve));
}
