import { anchorNamePattern, type CheckpointAnchor } from './checkpoint-anchor.js';
import { GoogleApiError, type GoogleClientOptions, googleRequest, jsonBody } from './google-api.js';

/** Options of {@link createGcsAnchor}. */
export interface GcsAnchorOptions extends GoogleClientOptions {
  readonly bucket: string;
  /** Object name prefix, e.g. `checkpoints/`. Default `checkpoints/`. */
  readonly prefix?: string | undefined;
  /** API root. Default `https://storage.googleapis.com`. */
  readonly endpoint?: string | undefined;
}

const bucketPattern = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;
const prefixPattern = /^([A-Za-z0-9._-]+\/)*$/;

/**
 * An anchor in a Cloud Storage bucket over the JSON API. Uploads carry `ifGenerationMatch=0`, so
 * GCS creates the object only if the name is free (HTTP 412 otherwise): nothing is ever replaced,
 * and the bucket's locked retention policy keeps objects from being deleted. The sealer needs
 * `storage.objects.create` and `storage.objects.get`; listing (verify) needs `storage.objects.list`.
 *
 * @throws {TypeError} at construction for an invalid bucket name or prefix.
 * @example
 * const anchor = createGcsAnchor({ bucket: 'acme-mcp-audit-checkpoints', accessToken: metadataServerToken() });
 */
export function createGcsAnchor(options: GcsAnchorOptions): CheckpointAnchor {
  if (!bucketPattern.test(options.bucket))
    throw new TypeError(`invalid bucket name ${JSON.stringify(options.bucket)}`);
  const prefix = options.prefix ?? 'checkpoints/';
  if (!prefixPattern.test(prefix)) {
    throw new TypeError(`object prefix must be empty or end with "/" (got ${JSON.stringify(prefix)})`);
  }
  const endpoint = (options.endpoint ?? 'https://storage.googleapis.com').replace(/\/$/, '');
  const bucket = encodeURIComponent(options.bucket);
  const objectName = (name: string) => {
    if (!anchorNamePattern.test(name))
      throw new TypeError(`invalid anchor object name ${JSON.stringify(name)}`);
    return `${prefix}${name}`;
  };

  return Object.freeze({
    description: `gs://${options.bucket}/${prefix}`,
    async put(name: string, content: string) {
      const target = objectName(name);
      const url =
        `${endpoint}/upload/storage/v1/b/${bucket}/o?uploadType=media` +
        `&name=${encodeURIComponent(target)}&ifGenerationMatch=0`;
      const response = await googleRequest(options, `GCS upload ${target}`, url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: content,
        accept: [200, 412],
      });
      if (response.status === 412) {
        await response.body?.cancel();
        return 'exists' as const;
      }
      const body = await jsonBody(response, `GCS upload ${target}`);
      if (body.name !== target) {
        throw new GoogleApiError(`GCS upload ${target}: the response names ${String(body.name)}`, 200);
      }
      return 'created' as const;
    },
    async get(name: string) {
      const target = objectName(name);
      const url = `${endpoint}/storage/v1/b/${bucket}/o/${encodeURIComponent(target)}?alt=media`;
      const response = await googleRequest(options, `GCS download ${target}`, url, { accept: [200, 404] });
      if (response.status === 404) {
        await response.body?.cancel();
        return undefined;
      }
      return response.text();
    },
    async *list() {
      let pageToken: string | undefined;
      do {
        const url =
          `${endpoint}/storage/v1/b/${bucket}/o?prefix=${encodeURIComponent(prefix)}` +
          `&fields=${encodeURIComponent('items(name),nextPageToken')}` +
          (pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : '');
        const body = await jsonBody(await googleRequest(options, 'GCS list', url), 'GCS list');
        const items = Array.isArray(body.items) ? (body.items as { name?: unknown }[]) : [];
        for (const item of items) {
          if (typeof item.name !== 'string' || !item.name.startsWith(prefix)) continue;
          const name = item.name.slice(prefix.length);
          if (anchorNamePattern.test(name)) yield name;
        }
        pageToken = typeof body.nextPageToken === 'string' ? body.nextPageToken : undefined;
      } while (pageToken);
    },
  });
}
