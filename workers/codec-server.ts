/**
 * The codec endpoint the Temporal UI (and `temporal` CLI, `--codec-endpoint`) calls to show
 * encrypted payloads: POST /encode and POST /decode with `{ "payloads": [...] }` in the JSON
 * form of Temporal's Payload (metadata values and data base64). CORS allows the UI's origins
 * only. Bound to 127.0.0.1 unless told otherwise: whoever reaches it can decrypt.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';

/** Bodies larger than this are refused (413). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const toPayload = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
}

function payloadsOf(body: unknown): Payload[] {
  const list = (body as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(list) || list.some((p) => typeof p !== 'object' || p === null)) throw new HttpError(400, 'expected {"payloads": [...]}');
  return (list as JsonPayload[]).map(toPayload);
}

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Origins allowed by CORS (the Temporal UI's), e.g. http://127.0.0.1:8233. */
  origins: string[];
  port: number;
  host?: string;
}

/**
 * Answers the codec protocol. Refused (403) before anything is decoded: a request whose Origin is
 * not an allowed one (a web page elsewhere), and one whose Host is not this server's own address
 * (`hosts`, when given: a page on another domain that rebinds its name to 127.0.0.1).
 */
export function codecHandler(
  o: Pick<CodecServerOptions, 'codec' | 'origins'> & { hosts?: () => string[] },
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const origin = req.headers.origin;
    const hosts = o.hosts?.();
    if ((origin !== undefined && !o.origins.includes(origin)) || (hosts && !hosts.includes(req.headers.host ?? ''))) {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error:
            origin !== undefined && !o.origins.includes(origin) ? `origin ${origin} is not allowed` : `host ${req.headers.host ?? '(none)'} is not this server`,
        }),
      );
      return;
    }
    if (origin && o.origins.includes(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      res.setHeader('access-control-allow-headers', 'content-type, x-namespace, authorization');
      res.setHeader('vary', 'origin');
    }
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(origin && o.origins.includes(origin) ? 204 : 403);
      res.end();
      return;
    }
    const route = req.url?.split('?')[0];
    if (req.method !== 'POST' || (route !== '/encode' && route !== '/decode')) {
      send(404, { error: 'POST /encode or /decode' });
      return;
    }
    void (async () => {
      try {
        const payloads = payloadsOf(await readBody(req));
        const out = route === '/encode' ? await o.codec.encode(payloads) : await o.codec.decode(payloads);
        send(200, { payloads: out.map(toJson) });
      } catch (err) {
        if (err instanceof HttpError) send(err.status, { error: err.message });
        else send(400, { error: `cannot ${route.slice(1)}: ${(err as Error).message}` });
      }
    })();
  };
}

/** Starts the codec server; resolves once it listens. */
export async function startCodecServer(o: CodecServerOptions): Promise<{ server: Server; url: string }> {
  const host = o.host ?? '127.0.0.1';
  let port = o.port;
  const bracket = (h: string): string => (h.includes(':') ? `[${h}]` : h);
  const hosts = (): string[] => [...new Set([host, '127.0.0.1', 'localhost', '::1'])].map((h) => `${bracket(h)}:${port}`);
  const server = createServer(codecHandler({ ...o, hosts }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, host, () => resolve());
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : o.port;
  return { server, url: `http://${bracket(host)}:${port}` };
}
