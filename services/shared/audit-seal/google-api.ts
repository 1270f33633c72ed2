/** The subset of `fetch` the Google clients use; tests pass one aimed at a local fake server. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Returns a bearer token for Google APIs (`cloud-platform` scope). */
export type AccessTokenProvider = () => Promise<string>;

/** A Google API answered with an error (or not at all). */
export class GoogleApiError extends Error {
  /** HTTP status, or 0 when there was no response. */
  readonly status: number;

  constructor(message: string, status: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GoogleApiError';
    this.status = status;
  }
}

/** Options shared by the Google clients. */
export interface GoogleClientOptions {
  readonly accessToken: AccessTokenProvider;
  readonly fetch?: FetchLike | undefined;
  /** Per-request timeout. Default 10 000 ms. */
  readonly timeoutMs?: number | undefined;
}

/**
 * One authenticated request. Rejects with {@link GoogleApiError} for a transport failure or any
 * status not in `accept`; resolves with the response otherwise.
 */
export async function googleRequest(
  options: GoogleClientOptions,
  what: string,
  url: string,
  init: RequestInit & { accept?: readonly number[] } = {},
): Promise<Response> {
  const { accept = [200], ...rest } = init;
  const token = await options.accessToken();
  const headers = new Headers(rest.headers);
  headers.set('authorization', `Bearer ${token}`);
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      ...rest,
      headers,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (error) {
    throw new GoogleApiError(`${what}: no response (${(error as Error).message})`, 0, { cause: error });
  }
  if (accept.includes(response.status)) return response;
  const detail = await response.text().catch(() => '');
  let message = detail.slice(0, 300);
  try {
    const parsed = JSON.parse(detail) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === 'string') message = parsed.error.message;
  } catch {}
  throw new GoogleApiError(
    `${what}: HTTP ${response.status}${message ? `: ${message}` : ''}`,
    response.status,
  );
}

/** Reads a JSON object body, or throws {@link GoogleApiError}. */
export async function jsonBody(response: Response, what: string): Promise<Record<string, unknown>> {
  const body: unknown = await response.json().catch(() => undefined);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new GoogleApiError(`${what}: the response is not a JSON object`, response.status);
  }
  return body as Record<string, unknown>;
}
