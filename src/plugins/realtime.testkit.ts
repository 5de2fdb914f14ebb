import http from 'node:http';
import WebSocket from 'ws';

export interface Received {
  type: string;
  id?: string;
  data: Record<string, unknown>;
}

const waitUntil = async <T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** A minimal EventSource over a real socket: collects events and comment lines. */
export function openSse(url: string, headers: Record<string, string> = {}) {
  const events: Received[] = [];
  let comments = 0;
  let ended = false;
  let buffer = '';
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let id: string | undefined;
          let data = '';
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) comments++;
            else if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data) events.push({ ...(JSON.parse(data) as Omit<Received, 'id'>), id });
        }
      });
      res.on('end', () => (ended = true));
      res.on('close', () => (ended = true));
      resolve(res);
    });
    req.on('error', reject);
  });
  return {
    events,
    response,
    get comments() {
      return comments;
    },
    get ended() {
      return ended;
    },
    /** Resolves with the body of a non-200 answer. */
    async body() {
      await waitUntil('the answer to end', () => (ended ? true : undefined));
      return buffer;
    },
    waitFor: (pred: (e: Received) => boolean, timeoutMs?: number) => waitUntil('an SSE event', () => events.find(pred), timeoutMs),
    waitForHeartbeat: () => waitUntil('an SSE heartbeat', () => (comments > 0 ? true : undefined)),
    waitForEnd: (timeoutMs?: number) => waitUntil('the SSE stream to end', () => (ended ? true : undefined), timeoutMs),
    close: async () => (await response).destroy(),
  };
}

/** A WebSocket client that collects JSON messages. */
export async function openWs(url: string, headers: Record<string, string> = {}) {
  const socket = new WebSocket(url, { headers });
  const events: Received[] = [];
  let closeCode: number | undefined;
  socket.on('message', (raw) => events.push(JSON.parse(String(raw)) as Received));
  socket.on('close', (code) => (closeCode = code));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    socket.once('error', reject);
  });
  return {
    socket,
    events,
    waitFor: (pred: (e: Received) => boolean, timeoutMs?: number) => waitUntil('a WebSocket message', () => events.find(pred), timeoutMs),
    waitForClose: (timeoutMs?: number) => waitUntil('the WebSocket to close', () => closeCode, timeoutMs),
    close: () => socket.close(),
  };
}
