/**
 * The failure converter used when payload keys are configured: an error's message and stack trace
 * go into the failure's encoded attributes, a payload, so the payload codec encrypts them like any
 * other payload (Temporal leaves them in plain text otherwise). A reader with the keys (a client
 * made by connectClient, the codec server behind the Temporal UI or `temporal --codec-endpoint`)
 * sees them as before; any failure converter restores them once the payload is decoded.
 *
 * Loaded by path (DataConverter.failureConverterPath) on the worker, in the workflow bundle and in
 * clients: the workflow sandbox can only take a converter from a module.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
