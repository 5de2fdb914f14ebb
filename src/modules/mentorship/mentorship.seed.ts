import type { Faker } from '@faker-js/faker';
import { inArray, sql } from 'drizzle-orm';
import type { SeededUser } from '../../db/seed.js';
import type { AppContext } from '../../lib/context.js';
import { profiles } from '../profiles/profiles.tables.js';
import { refreshMatchingCorpus } from './matching.service.js';
import { mentorsChanged } from './mentors.service.js';
import { mentorProfiles, mentorshipGoals, mentorshipRequests, mentorships, mentorshipSessions } from './mentorship.tables.js';
import { queueReminder } from './sessions.service.js';

const FALLBACK_EXPERTISE = ['Career advice', 'Interview preparation', 'Higher studies', 'Python', 'Product Management', 'Research'];
const MESSAGES = [
  'I am in my final year and would love guidance on landing my first role.',
  'Could you help me prepare for interviews in your field?',
  'I am considering a master’s degree and would value your perspective.',
  'Your path from campus to industry is the one I hope to follow. Would you mentor me?',
];
const GOALS = [
  'Build a portfolio project',
  'Prepare for interviews',
  'Choose a specialisation',
  'Publish a first paper',
  'Improve public speaking',
];
const DAY = 86_400_000;

/**
 * Demo mentorship data: about a third of the alumni and faculty mentor; students (and some alumni)
 * ask them; requests are pending, accepted (with sessions, feedback and goals), rejected or expired,
 * and every derived counter is recomputed from the rows. Only users created by this run are passed in,
 * so a second run adds nothing.
 */
export async function seedMentorship(ctx: AppContext, faker: Faker, users: SeededUser[]) {
  const eligible = users.filter((u) => u.role === 'alumni' || u.role === 'faculty');
  const mentorUsers = eligible.filter((_, i) => i % 3 === 0);
  if (!mentorUsers.length) return { mentors: 0, requests: 0, sessions: 0 };
  const skillRows = await ctx.db
    .select({ user_id: profiles.user_id, skills: profiles.skills })
    .from(profiles)
    .where(
      inArray(
        profiles.user_id,
        mentorUsers.map((u) => u.id),
      ),
    );
  const skillsOf = new Map(skillRows.map((r) => [r.user_id, r.skills]));
  const capacity = new Map<string, number>();
  const mentorRows = mentorUsers.map((u) => {
    const own = skillsOf.get(u.id) ?? [];
    const expertise = own.length
      ? faker.helpers.arrayElements(own, { min: 1, max: Math.min(4, own.length) })
      : faker.helpers.arrayElements(FALLBACK_EXPERTISE, 2);
    const max = faker.number.int({ min: 2, max: 5 });
    capacity.set(u.id, max);
    return {
      user_id: u.id,
      expertise_areas: expertise,
      expertise_lower: expertise.map((e) => e.toLowerCase()),
      max_mentees: max,
      bio: faker.lorem.sentences(2),
      availability: faker.helpers.arrayElement(['Weekends', 'Weekday evenings (IST)', 'Once a month', 'Fridays after 5 pm']),
      is_available: faker.number.int({ min: 1, max: 10 }) <= 8,
    };
  });

  const mentees = users.filter((u) => u.role === 'student' || (u.role === 'alumni' && faker.number.int({ min: 1, max: 5 }) === 1));
  const now = Date.now();
  const requestRows: (typeof mentorshipRequests.$inferInsert)[] = [];
  const pairs: { requestId: string; mentorId: string; studentId: string; startedAt: Date }[] = [];
  for (const mentee of mentees) {
    const choices = faker.helpers
      .arrayElements(mentorUsers, { min: 0, max: Math.min(2, mentorUsers.length) })
      .filter((m) => m.id !== mentee.id);
    for (const mentor of choices) {
      const id = faker.string.uuid();
      const age = faker.number.int({ min: 1, max: 60 });
      const requestedAt = new Date(now - age * DAY);
      const answeredAt = new Date(requestedAt.getTime() + faker.number.int({ min: 1, max: 96 }) * 3_600_000);
      let outcome =
        age > 14
          ? faker.helpers.arrayElement(['accepted', 'accepted', 'rejected', 'expired'] as const)
          : faker.helpers.arrayElement(['pending', 'accepted', 'rejected'] as const);
      if (outcome === 'accepted' && (capacity.get(mentor.id) ?? 0) <= 0) outcome = age > 14 ? 'expired' : 'pending';
      if (outcome === 'accepted') {
        capacity.set(mentor.id, capacity.get(mentor.id)! - 1);
        pairs.push({ requestId: id, mentorId: mentor.id, studentId: mentee.id, startedAt: answeredAt });
      }
      requestRows.push({
        id,
        student_id: mentee.id,
        mentor_id: mentor.id,
        request_message: faker.helpers.arrayElement(MESSAGES),
        goals: faker.helpers.arrayElement(GOALS),
        status: outcome,
        requested_at: requestedAt,
        expires_at: new Date(requestedAt.getTime() + 14 * DAY),
        accepted_at: outcome === 'accepted' ? answeredAt : null,
        rejected_at: outcome === 'rejected' ? answeredAt : null,
        rejection_reason: outcome === 'rejected' ? 'My calendar is full this term, sorry!' : null,
        expired_at: outcome === 'expired' ? new Date(requestedAt.getTime() + 14 * DAY) : null,
      });
    }
  }

  const mentorshipRows = pairs.map((p) => ({
    id: faker.string.uuid(),
    request_id: p.requestId,
    mentor_id: p.mentorId,
    student_id: p.studentId,
    started_at: p.startedAt,
  }));
  const sessionRows: (typeof mentorshipSessions.$inferInsert)[] = [];
  const goalRows: (typeof mentorshipGoals.$inferInsert)[] = [];
  for (const m of mentorshipRows) {
    const held = faker.number.int({ min: 0, max: 3 });
    for (let i = 0; i < held; i++) {
      const at = new Date(m.started_at.getTime() + (i + 1) * 3 * DAY);
      if (at.getTime() > now) break;
      const rated = faker.datatype.boolean();
      sessionRows.push({
        mentorship_id: m.id,
        scheduled_date: at,
        duration: faker.helpers.arrayElement([30, 45, 60]),
        status: 'completed',
        meeting_link: 'https://meet.example.com/cohort-demo',
        completed_at: new Date(at.getTime() + 3_600_000),
        rating: rated ? faker.number.int({ min: 3, max: 5 }) : null,
        feedback: rated ? faker.helpers.arrayElement(['Very helpful', 'Clear, practical advice', 'Great session, thank you!']) : null,
        feedback_at: rated ? new Date(at.getTime() + 2 * 3_600_000) : null,
      });
    }
    if (faker.datatype.boolean()) {
      sessionRows.push({
        id: faker.string.uuid(),
        mentorship_id: m.id,
        scheduled_date: new Date(now + faker.number.int({ min: 2, max: 20 }) * DAY),
        duration: 45,
        status: 'scheduled',
        meeting_link: 'https://meet.example.com/cohort-demo',
      });
    }
    goalRows.push({
      mentorship_id: m.id,
      title: faker.helpers.arrayElement(GOALS),
      status: faker.helpers.arrayElement(['open', 'achieved'] as const),
    });
  }

  await ctx.db.transaction(async (tx) => {
    await tx.insert(mentorProfiles).values(mentorRows).onConflictDoNothing();
    for (let i = 0; i < requestRows.length; i += 1000) await tx.insert(mentorshipRequests).values(requestRows.slice(i, i + 1000));
    for (let i = 0; i < mentorshipRows.length; i += 1000) await tx.insert(mentorships).values(mentorshipRows.slice(i, i + 1000));
    for (let i = 0; i < sessionRows.length; i += 1000) await tx.insert(mentorshipSessions).values(sessionRows.slice(i, i + 1000));
    for (let i = 0; i < goalRows.length; i += 1000) await tx.insert(mentorshipGoals).values(goalRows.slice(i, i + 1000));
    for (const s of sessionRows.filter((r) => r.status === 'scheduled')) await queueReminder(ctx, tx, s.id!, s.scheduled_date as Date);
    // Derived counters from the rows just written.
    await tx.execute(sql`
      UPDATE mentor_profiles mp SET
        current_mentees_count = (SELECT count(*) FROM mentorships m WHERE m.mentor_id = mp.user_id AND m.status = 'active'),
        total_sessions = (SELECT count(*) FROM mentorship_sessions s JOIN mentorships m ON m.id = s.mentorship_id
                          WHERE m.mentor_id = mp.user_id AND s.status = 'completed'),
        rating_sum = (SELECT coalesce(sum(s.rating), 0) FROM mentorship_sessions s JOIN mentorships m ON m.id = s.mentorship_id WHERE m.mentor_id = mp.user_id),
        rating_count = (SELECT count(s.rating) FROM mentorship_sessions s JOIN mentorships m ON m.id = s.mentorship_id WHERE m.mentor_id = mp.user_id)
      WHERE mp.user_id = ANY(${`{${mentorRows.map((m) => m.user_id).join(',')}}`}::uuid[])`);
  });
  await mentorsChanged(ctx);
  await refreshMatchingCorpus(ctx);
  return { mentors: mentorRows.length, requests: requestRows.length, sessions: sessionRows.length };
}
