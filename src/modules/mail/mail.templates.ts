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
  'profile-verified': (d: { name: string }): Rendered => ({
    subject: 'Your Cohort profile is verified',
    text: `Hello ${d.name},\n\nAn administrator verified your profile.\n`,
    html: layout('Profile verified', [`Hello ${escapeHtml(d.name)},`, 'An administrator verified your profile.']),
  }),
  'profile-rejected': (d: { name: string; reason: string }): Rendered => ({
    subject: 'Your Cohort profile verification was declined',
    text: `Hello ${d.name},\n\nYour verification request was declined: ${d.reason}\nYou may edit your profile and ask again.\n`,
    html: layout('Verification declined', [
      `Hello ${escapeHtml(d.name)},`,
      `Your verification request was declined: ${escapeHtml(d.reason)}`,
      'You may edit your profile and ask again.',
    ]),
  }),
  'application-status': (d: { name: string; job_title: string; status: string; message?: string | null }): Rendered => ({
    subject: `Your application for ${d.job_title}: ${d.status}`,
    text: `Hello ${d.name},\n\nYour application for "${d.job_title}" is now: ${d.status}.\n${d.message ? `\n${d.message}\n` : ''}`,
    html: layout('Application update', [
      `Hello ${escapeHtml(d.name)},`,
      `Your application for <strong>${escapeHtml(d.job_title)}</strong> is now: <strong>${escapeHtml(d.status)}</strong>.`,
      ...(d.message ? [escapeHtml(d.message)] : []),
    ]),
  }),
  'application-received': (d: { name: string; job_title: string; applicant: string }): Rendered => ({
    subject: `New application for ${d.job_title}`,
    text: `Hello ${d.name},\n\n${d.applicant} applied to "${d.job_title}".\n`,
    html: layout('New application', [
      `Hello ${escapeHtml(d.name)},`,
      `${escapeHtml(d.applicant)} applied to <strong>${escapeHtml(d.job_title)}</strong>.`,
    ]),
  }),
};

export type TemplateName = keyof typeof templates;
export type TemplateData<T extends TemplateName> = Parameters<(typeof templates)[T]>[0];
