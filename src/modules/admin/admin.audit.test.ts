import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, createTestApp, importCsv, member, postJob, problemOf, type TestApp, type TestUser } from '../../../test/helpers.js';
import { recordAudit } from '../audit/audit.service.js';
import { importAlumni } from '../profiles/profiles.import.js';

let t: TestApp;
let admin: TestUser;
let poster: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  [admin, poster] = await Promise.all([t.user('admin'), t.user('alumni')]);
});
afterAll(() => t?.close());

const entries = async (where: string, values: unknown[]) =>
  (await t.database.pool.query(`SELECT * FROM audit_log WHERE ${where} ORDER BY created_at, id`, values)).rows;

describe('an audit entry for every admin write', () => {
  it('when an admin verifies or rejects a profile, then one entry each, with the admin and the ip', async () => {
    const [a, b] = await Promise.all([member(t, { name: 'Ver Ify' }), member(t, { name: 'Rej Ect' })]);
    for (const m of [a, b]) expect((await m.inject({ method: 'POST', url: '/api/profiles/me/request-verification' })).statusCode).toBe(202);
    expect((await admin.inject({ method: 'POST', url: `/api/admin/profiles/verify/${a.id}` })).statusCode).toBe(200);
    expect(
      (await admin.inject({ method: 'POST', url: `/api/admin/profiles/reject/${b.id}`, payload: { reason: 'No proof' } })).statusCode,
    ).toBe(200);
    const rows = await entries(`target_id = ANY($1)`, [[a.id, b.id]]);
    expect(rows.map((r) => [r.action_type, r.target_id, r.admin_id, r.ip])).toEqual([
      ['profile.verify', a.id, admin.id, '127.0.0.1'],
      ['profile.reject', b.id, admin.id, '127.0.0.1'],
    ]);
    expect(rows[1].metadata).toEqual({ reason: 'No proof' });
  });

  it('when alumni are imported over HTTP and from the command line, then each written batch is audited (CLI without an admin)', async () => {
    const http = await importCsv(admin, `email,name\nimp-http-1@example.com,Imp One\nimp-http-2@example.com,Imp Two\n`);
    expect(http.statusCode, http.body).toBe(200);
    await importAlumni(t.app.ctx, Readable.from([`email,name\nimp-cli-1@example.com,Cli One\n`]));
    const rows = await entries(`action_type = 'import.alumni'`, []);
    expect(rows.map((r) => [r.admin_id, r.metadata.created])).toEqual([
      [admin.id, 2],
      [null, 1],
    ]);
    // Importing the same file again writes nothing, so records nothing.
    await importCsv(admin, `email,name\nimp-http-1@example.com,Imp One\nimp-http-2@example.com,Imp Two\n`);
    expect(await entries(`action_type = 'import.alumni'`, [])).toHaveLength(2);
  });

  it("when an admin edits, closes or deletes someone's job, then each is audited; the poster's own edits are not", async () => {
    const job = await postJob(poster);
    expect((await poster.inject({ method: 'PUT', url: `/api/jobs/${job.id}`, payload: { title: 'By the poster' } })).statusCode).toBe(200);
    expect((await admin.inject({ method: 'PUT', url: `/api/jobs/${job.id}`, payload: { title: 'By the admin' } })).statusCode).toBe(200);
    expect((await admin.inject({ method: 'POST', url: `/api/jobs/${job.id}/close` })).statusCode).toBe(200);
    expect((await admin.inject({ method: 'DELETE', url: `/api/jobs/${job.id}` })).statusCode).toBe(204);
    const rows = await entries(`target_id = $1`, [job.id]);
    expect(rows.map((r) => [r.action_type, r.admin_id, r.target_type])).toEqual([
      ['job.update', admin.id, 'job'],
      ['job.update', admin.id, 'job'],
      ['job.delete', admin.id, 'job'],
    ]);
    expect(rows[0].metadata).toEqual({ fields: ['title'] });
  });

  it("when an admin moves someone's application, then it is audited", async () => {
    const job = await postJob(poster);
    const applicant = await t.user('student');
    const application = await apply(applicant, job.id);
    const res = await admin.inject({
      method: 'PUT',
      url: `/api/applications/${application.id}/status`,
      payload: { status: 'shortlisted' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const rows = await entries(`target_id = $1`, [application.id]);
    expect(rows.map((r) => [r.action_type, r.metadata])).toEqual([['application.status', { from: 'applied', to: 'shortlisted' }]]);
  });

  it('when the transaction of a write rolls back, then its audit entry is gone with it', async () => {
    await t.database.db
      .transaction(async (tx) => {
        await recordAudit(tx, { adminId: admin.id, actionType: 'test.rollback', targetType: 'test', description: 'never committed' });
        throw new Error('the write failed');
      })
      .catch(() => {});
    // A refused admin write (409) leaves no entry either.
    const res = await admin.inject({ method: 'PUT', url: `/api/admin/users/${admin.id}`, payload: { role: 'alumni' } });
    expect(res.statusCode).toBe(409);
    expect(await entries(`action_type = 'test.rollback' OR target_id = $1`, [admin.id])).toHaveLength(0);
  });

  it('when anyone tries to UPDATE or DELETE an entry, then the database refuses', async () => {
    await admin.inject({ method: 'PUT', url: '/api/admin/settings', payload: { platform_name: 'Audited' } });
    await expect(t.database.pool.query(`UPDATE audit_log SET description = 'rewritten'`)).rejects.toThrow(/append-only/);
    await expect(t.database.pool.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
    expect((await entries(`action_type = 'settings.update'`, [])).length).toBeGreaterThan(0);
  });
});

describe('GET /api/admin/audit-log', () => {
  it('when filtered by admin, action, target and date range, then only those entries come, newest first, page by page', async () => {
    const other = await t.user('admin');
    const targets = await Promise.all([1, 2, 3].map(() => t.user('student')));
    const since = new Date().toISOString();
    for (const u of targets)
      await other.inject({ method: 'PUT', url: `/api/admin/users/${u.id}`, payload: { name: `Renamed ${u.id.slice(0, 4)}` } });
    const base = `/api/admin/audit-log?admin_id=${other.id}&action_type=user.rename&from=${since}`;
    const first = await admin.inject({ method: 'GET', url: `${base}&limit=2` });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().results.map((r: { target_id: string }) => r.target_id)).toEqual([targets[2].id, targets[1].id]);
    const second = await admin.inject({ method: 'GET', url: `${base}&limit=2&cursor=${first.json().next_cursor}` });
    expect(second.json()).toMatchObject({ results: [{ target_id: targets[0].id, admin_id: other.id }], next_cursor: null });
    // The seed's AdminAction names the instant `timestamp`: present, and the same as created_at.
    const entry = second.json().results[0];
    expect(entry.timestamp).toBe(entry.created_at);
    expect(entry.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const byTarget = await admin.inject({ method: 'GET', url: `/api/admin/audit-log?target_type=user&target_id=${targets[1].id}` });
    expect(byTarget.json().results).toHaveLength(1);
    const before = await admin.inject({ method: 'GET', url: `${base}&to=2000-01-01T00:00:00Z` });
    expect(before.statusCode).toBe(400); // from after to
    const empty = await admin.inject({ method: 'GET', url: `/api/admin/audit-log?admin_id=${other.id}&to=2000-01-01T00:00:00Z` });
    expect(empty.json().results).toEqual([]);
  });

  it('when a filter is malformed, then 400 naming it', async () => {
    for (const [query, field] of [
      ['admin_id=nope', 'admin_id'],
      ['from=last-week', 'from'],
      ['from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z', 'from'],
      ['cursor=xyz', 'cursor'],
    ]) {
      const res = await admin.inject({ method: 'GET', url: `/api/admin/audit-log?${query}` });
      expect(res.statusCode, query).toBe(400);
      expect(JSON.stringify(problemOf(res))).toContain(field);
    }
  });
});

describe('profile deletion by an admin', () => {
  it('when an admin deletes a profile, then it is audited', async () => {
    const m = await member(t, { name: 'Pro File' });
    expect((await admin.inject({ method: 'DELETE', url: `/api/profiles/${m.id}` })).statusCode).toBe(204);
    expect((await entries(`target_id = $1`, [m.id])).map((r) => [r.action_type, r.admin_id])).toEqual([['profile.delete', admin.id]]);
  });
});
