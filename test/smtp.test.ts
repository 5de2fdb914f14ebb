import { SMTPServer } from 'smtp-server';
import { freePort } from '../src/lib/net.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { deliverMail, enqueueMail } from '../src/modules/mail/mail.service.js';
import { createTestApp, post, TEST_PASSWORD, uniqueEmail, type TestApp } from './helpers.js';

interface Received {
  to: string[];
  raw: string;
}

/** A real SMTP server on 127.0.0.1 that keeps every message it accepts. */
async function startSink(port = 0) {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = (server as unknown as { server: { address(): { port: number } } }).server.address();
  return {
    port: address.port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    async waitFor(to: string, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const found = received.filter((m) => m.to.includes(to.toLowerCase())).at(-1);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`the SMTP server received nothing for ${to}`);
    },
  };
}

// The text part is plain ASCII, so the code reads straight from the raw message.
const codeIn = (raw: string) => /code is (\d{6})/.exec(raw)?.[1];
const header = (raw: string, name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(raw)?.[1];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function appWithSmtp(port: number): Promise<TestApp> {
  const t = await createTestApp(
    { SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: 'Cohort <no-reply@cohort.test>' },
    { mailer: undefined },
  );
  cleanups.push(() => t.close());
  return t;
}

describe('mail through a real SMTP server', () => {
  it('when a person registers, then the code arrives over SMTP and lets them verify and sign in', async () => {
    const sink = await startSink();
    cleanups.push(sink.close);
    const t = await appWithSmtp(sink.port);
    const email = uniqueEmail('Smtp');
    const reg = await post(t.app, '/api/auth/register', { email, password: TEST_PASSWORD, name: 'Sam Smtp', role: 'alumni' });
    expect(reg.statusCode).toBe(201);

    const message = await sink.waitFor(email);
    expect(header(message.raw, 'From')).toContain('no-reply@cohort.test');
    expect(header(message.raw, 'Subject')).toMatch(/verification code/i);
    const otp = codeIn(message.raw);
    expect(otp).toMatch(/^\d{6}$/);

    expect((await post(t.app, '/api/auth/verify-email', { email, otp })).statusCode).toBe(200);
    const login = await post(t.app, '/api/auth/login', { email, password: TEST_PASSWORD });
    expect(login.statusCode).toBe(200);
    const { rows } = await t.database.pool.query('SELECT status, attempts FROM mail_outbox WHERE "to" = $1', [email.toLowerCase()]);
    expect(rows).toEqual([{ status: 'sent', attempts: 1 }]);
  });

  it('when the SMTP server is down, then the mail stays pending with its error and is delivered once the server is back', async () => {
    const port = await freePort();
    const t = await appWithSmtp(port);
    const email = uniqueEmail('Down');
    expect(
      (await post(t.app, '/api/auth/register', { email, password: TEST_PASSWORD, name: 'Dee Down', role: 'student' })).statusCode,
    ).toBe(201);

    const outbox = async () =>
      (
        await t.database.pool.query<{ id: string; status: string; attempts: number; last_error: string | null }>(
          'SELECT id, status, attempts, last_error FROM mail_outbox WHERE "to" = $1',
          [email.toLowerCase()],
        )
      ).rows;
    let rows = await outbox();
    for (let i = 0; i < 200 && !(rows[0]?.attempts > 0); i++) {
      await new Promise((r) => setTimeout(r, 50));
      rows = await outbox();
    }
    expect(rows).toHaveLength(1);
    expect(rows[0].status).toBe('pending');
    expect(rows[0].attempts).toBeGreaterThan(0);
    expect(rows[0].last_error).toMatch(/ECONNREFUSED|connect/i);

    const sink = await startSink(port);
    cleanups.push(sink.close);
    // Drive the retry the queued job would make after its backoff.
    await deliverMail(t.app.ctx, rows[0].id).catch(() => {});
    const message = await sink.waitFor(email);
    expect(codeIn(message.raw)).toMatch(/^\d{6}$/);
    for (let i = 0; i < 100 && (await outbox())[0].status !== 'sent'; i++) await new Promise((r) => setTimeout(r, 50));
    const [final] = await outbox();
    expect(final.status).toBe('sent');
    expect(final.last_error).toBeNull();
    expect(sink.received.filter((m) => m.to.includes(email.toLowerCase()))).toHaveLength(1);
  });
});

describe('attachments over SMTP', () => {
  it('when an outbox message carries a calendar file, then nodemailer sends it as a text/calendar attachment part', async () => {
    const sink = await startSink();
    cleanups.push(sink.close);
    const t = await appWithSmtp(sink.port);
    const email = uniqueEmail('ics').toLowerCase();
    const content = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Cohort//Test//EN\r\nEND:VCALENDAR\r\n';
    const id = await t.database.db.transaction((tx) =>
      enqueueMail(
        t.app.ctx,
        tx,
        email,
        'notification',
        { name: 'Ida', title: 'With a calendar', message: 'Here', link: null },
        {
          attachments: [{ filename: 'event.ics', contentType: 'text/calendar; charset=utf-8; method=PUBLISH', content }],
        },
      ),
    );
    await deliverMail(t.app.ctx, id);
    const { raw } = await sink.waitFor(email);
    expect(header(raw, 'Content-Type')).toMatch(/^multipart\/mixed/);
    const part = /Content-Type: text\/calendar[^]*?\r\n\r\n([^]*?)\r\n--/i.exec(raw);
    expect(part, raw).not.toBeNull();
    expect(part![0]).toMatch(/filename="?event\.ics"?/);
    const body = /Content-Transfer-Encoding: base64/i.test(part![0]) ? Buffer.from(part![1], 'base64').toString('utf8') : part![1];
    expect(body.replace(/=\r\n/g, '')).toContain('BEGIN:VCALENDAR');
  });
});

describe('outbox delivery', () => {
  it('when the queued job meets a row another attempt is still sending, then it waits and retries if that attempt failed', async () => {
    const t = await createTestApp();
    cleanups.push(() => t.close());
    t.inbox.failing = true;
    const email = uniqueEmail('Race');
    expect(
      (await post(t.app, '/api/auth/register', { email, password: TEST_PASSWORD, name: 'Rae Race', role: 'student' })).statusCode,
    ).toBe(201);
    const { rows } = await t.database.pool.query<{ id: string }>('SELECT id FROM mail_outbox WHERE "to" = $1', [email.toLowerCase()]);

    // Another delivery attempt holds the row…
    const other = await t.database.pool.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT 1 FROM mail_outbox WHERE id = $1 FOR UPDATE', [rows[0].id]);
      t.inbox.failing = false;
      const job = deliverMail(t.app.ctx, rows[0].id);
      await new Promise((r) => setTimeout(r, 200));
      // …and fails: it records the failure and lets go.
      await other.query(`UPDATE mail_outbox SET attempts = attempts + 1, last_error = 'SMTP is down (test)' WHERE id = $1`, [rows[0].id]);
      await other.query('COMMIT');
      await job;
    } finally {
      other.release();
    }
    expect(await t.inbox.otpFor(email)).toMatch(/^\d{6}$/);
    const { rows: after } = await t.database.pool.query('SELECT status FROM mail_outbox WHERE id = $1', [rows[0].id]);
    expect(after).toEqual([{ status: 'sent' }]);
  });
});
