/** Plain-text and HTML bodies of every message Cohort sends, by template name. */
const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const layout = (title: string, paragraphs: string[]) =>
  `<!doctype html><html><body style="font-family:sans-serif;max-width:560px;margin:auto">` +
  `<h2>${escapeHtml(title)}</h2>${paragraphs.map((p) => `<p>${p}</p>`).join('')}` +
  `<p style="color:#888;font-size:12px">Sent by Cohort. If you did not expect this message, you can ignore it.</p></body></html>`;

export interface Rendered {
  subject: string;
  text: string;
  html: string;
}

export const templates = {
  'verify-email': (d: { name: string; code: string }): Rendered => ({
    subject: `Your Cohort verification code: ${d.code}`,
    text: `Hello ${d.name},\n\nYour verification code is ${d.code}. It expires in 10 minutes.\n`,
    html: layout('Verify your e-mail', [
      `Hello ${escapeHtml(d.name)},`,
      `Your verification code is <strong style="font-size:20px;letter-spacing:3px">${d.code}</strong>. It expires in 10 minutes.`,
    ]),
  }),
  'password-reset': (d: { name: string; token: string; link: string }): Rendered => ({
    subject: 'Reset your Cohort password',
    text: `Hello ${d.name},\n\nTo choose a new password, open ${d.link}\nor use this token: ${d.token}\nIt is valid for 30 minutes and works once.\n`,
    html: layout('Reset your password', [
      `Hello ${escapeHtml(d.name)},`,
      `<a href="${escapeHtml(d.link)}">Choose a new password</a> (valid for 30 minutes, works once).`,
      `Or use this token: <code>${escapeHtml(d.token)}</code>`,
    ]),
  }),
  // Every other message is a notification (src/modules/notifications): its title, message and link.
  // `attachments` names the files the mail carries (the notification's own message cannot say so:
  // the same text is shown in-app, where nothing is attached).
  notification: (d: { name: string; title: string; message: string; link: string | null; attachments?: string[] }): Rendered => {
    const attached = d.attachments?.length ? `Attached: ${d.attachments.join(', ')}` : null;
    return {
      subject: d.title,
      text: `Hello ${d.name},\n\n${d.message}\n${d.link ? `\nOpen: ${d.link}\n` : ''}${attached ? `\n${attached}\n` : ''}`,
      html: layout(d.title, [
        `Hello ${escapeHtml(d.name)},`,
        escapeHtml(d.message).replace(/\n/g, '<br>'),
        ...(d.link ? [`<a href="${escapeHtml(d.link)}">Open in Cohort</a>`] : []),
        ...(attached ? [escapeHtml(attached)] : []),
      ]),
    };
  },
  'notification-digest': (d: { name: string; items: { title: string; message: string; link: string | null }[] }): Rendered => ({
    subject: `Your Cohort digest: ${d.items.length} new notification${d.items.length === 1 ? '' : 's'}`,
    text:
      `Hello ${d.name},\n\nHere is what happened since your last digest:\n\n` +
      d.items.map((i) => `* ${i.title}\n  ${i.message}${i.link ? `\n  ${i.link}` : ''}`).join('\n\n') +
      '\n',
    html: layout('Your daily digest', [
      `Hello ${escapeHtml(d.name)},`,
      ...d.items.map(
        (i) =>
          `<strong>${escapeHtml(i.title)}</strong><br>${escapeHtml(i.message)}` +
          (i.link ? `<br><a href="${escapeHtml(i.link)}">Open</a>` : ''),
      ),
    ]),
  }),
};

export type TemplateName = keyof typeof templates;
export type TemplateData<T extends TemplateName> = Parameters<(typeof templates)[T]>[0];
