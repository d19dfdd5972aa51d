import type { ChannelOptions } from './types.js';

/** What the senders accept besides the port's options. */
export interface SendOptions extends ChannelOptions {
  /** The web inbox's public URL (`upkeep serve --public-url`): messages link to the model's page. */
  publicUrl?: string;
  /** Email: extra TLS settings (a private CA, e.g. a test's). Certificates are always verified. */
  tls?: { ca?: string | Buffer };
}
