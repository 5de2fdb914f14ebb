/** bench: HTTP helpers */

/** A response body as JSON when it is JSON, else its text. */
export const jsonOrText = (text: string): any => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  text: string;
}

export async function api<T = any>(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(base + path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, body: jsonOrText(text), text };
}

export async function login(base: string, email: string, password: string) {
  const r = await api(base, 'POST', '/api/auth/login', { body: { email, password } });
  if (r.status !== 200) throw new Error(`login of ${email} failed: ${r.status} ${r.text.slice(0, 300)}`);
  return r.body.access_token as string;
}

/** Runs `work(i)` for i in [0, n) with `concurrency` in flight; returns the elapsed milliseconds. */
export async function inParallel(n: number, concurrency: number, work: (i: number) => Promise<void>) {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < n) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return performance.now() - started;
}
