import type { IncomingMessage } from 'node:http';
import { DevIdpError } from './dev-idp-error.js';

const maxFormBytes = 4096;

/**
 * Reads an `application/x-www-form-urlencoded` request body (the login form), refusing any other
 * media type and bodies over 4 KiB. A refused body is drained, not parsed.
 */
export function readFormBody(req: IncomingMessage): Promise<URLSearchParams> {
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded') {
    req.resume();
    return Promise.reject(new DevIdpError('ERR_FORM_INVALID', 'expected application/x-www-form-urlencoded'));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxFormBytes) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.resume();
      reject(new DevIdpError('ERR_FORM_INVALID', `the body exceeds ${maxFormBytes} bytes`));
    };
    req.on('data', onData);
    req.once('error', reject);
    req.once('end', () => {
      if (size <= maxFormBytes) resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    });
  });
}
