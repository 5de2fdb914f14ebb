import { Faker, en } from '@faker-js/faker';
import type { AppContext } from '../lib/context.js';
import { hashPassword } from '../modules/auth/auth.password.js';
import { users } from '../modules/auth/auth.tables.js';
import { seedProfiles } from '../modules/profiles/profiles.seed.js';
import { seedJobs } from '../modules/jobs/jobs.seed.js';
import { seedForum } from '../modules/forum/forum.seed.js';
import { seedEvents } from '../modules/events/events.seed.js';
import { seedMentorship } from '../modules/mentorship/mentorship.seed.js';

export const DEMO_PASSWORD = 'Cohort-demo-2026';
const ROLES = ['alumni', 'alumni', 'alumni', 'alumni', 'student', 'student', 'recruiter', 'faculty'] as const;

export interface SeededUser {
  id: string;
  email: string;
  name: string;
  role: (typeof users.$inferSelect)['role'];
}

/**
 * Deterministic demo data (faker seeded with a constant): the same command gives the same people.
 * Users are upserted by e-mail, so running it twice adds nothing. Modules add their part below.
 */
export async function seedDemoData(ctx: AppContext, options: { users: number }) {
  const faker = new Faker({ locale: [en] });
  faker.seed(20261124);
  const password_hash = await hashPassword(DEMO_PASSWORD);
  const rows = Array.from({ length: options.users }, (_, i) => {
    const first = faker.person.firstName();
    const last = faker.person.lastName();
    return {
      email: `${first}.${last}.${i}@demo.cohort.dev`.toLowerCase().replace(/[^a-z0-9.@-]/g, ''),
      name: `${first} ${last}`,
      role: ROLES[i % ROLES.length],
      password_hash,
      is_verified: true,
    };
  });
  const seeded: SeededUser[] = [];
  for (let i = 0; i < rows.length; i += 1000) {
    const inserted = await ctx.db
      .insert(users)
      .values(rows.slice(i, i + 1000))
      .onConflictDoNothing()
      .returning({ id: users.id, email: users.email, name: users.name, role: users.role });
    seeded.push(...inserted);
  }
  const profiles = await seedProfiles(ctx, faker, seeded);
  const jobs = await seedJobs(ctx, faker, seeded);
  const forum = await seedForum(ctx, faker, seeded);
  const events = await seedEvents(ctx, faker, seeded);
  const mentorship = await seedMentorship(ctx, faker, seeded);
  return { users: seeded.length, profiles, jobs, forum, events, mentorship, password: DEMO_PASSWORD };
}
