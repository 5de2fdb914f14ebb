import type { FastifyBaseLogger } from 'fastify';

/**
 * A file sent with a message, in the shape nodemailer's `attachments` takes (so it is handed over
 * as is). Text content as a string; binary content base64-encoded with `encoding: 'base64'`.
 * Kept JSON-serialisable: it is stored with the outbox row until the message is sent.
 */
export interface MailAttachment {
  filename: string;
  contentType: string;
  content: string;
  encoding?: 'base64';
}

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments?: MailAttachment[];
}

/** Where mail goes: SMTP when SMTP_URL is set, otherwise the log (development) or a test's inbox. */
export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export function createMailer(smtpUrl: string | undefined, from: string, log: FastifyBaseLogger): Mailer {
  if (!smtpUrl) {
    return {
      async send(mail) {
        // No SMTP configured: print the message so a developer can read the code or link.
        const attachments = mail.attachments?.map((a) => `${a.filename} (${a.contentType})`);
        log.info({ mail: { to: mail.to, subject: mail.subject, text: mail.text, attachments } }, 'mail (SMTP_URL not set, not sent)');
      },
      close() {},
    };
  }
  // Loaded only when SMTP is configured (a noticeable part of start-up otherwise).
  const transport = import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport(smtpUrl));
  return {
    async send(mail) {
      await (await transport).sendMail({ from, ...mail });
    },
    close: () => void transport.then((t) => t.close()),
  };
}
