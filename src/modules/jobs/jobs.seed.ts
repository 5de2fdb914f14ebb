import type { Faker } from '@faker-js/faker';
import { sql } from 'drizzle-orm';
import type { AppContext } from '../../lib/context.js';
import type { SeededUser } from '../../db/seed.js';
import { storeUpload } from '../files/files.service.js';
import { skillColumns } from './jobs.service.js';
import { applicationStatusHistory, jobApplications, jobs, jobTypes, type ApplicationStatus } from './jobs.tables.js';

const COMPANIES = ['Google', 'Microsoft', 'Infosys', 'TCS', 'Amazon', 'Flipkart', 'Zoho', 'Atlassian', 'Stripe', 'Freshworks'];
const LOCATIONS = ['Bangalore', 'Pune, India', 'Hyderabad', 'Chennai', 'Berlin', 'London', 'Remote'];
const SKILLS = ['Python', 'SQL', 'Java', 'JavaScript', 'TypeScript', 'Go', 'Rust', 'C++', 'React', 'Kubernetes', 'AWS', 'Excel'];
const TITLES = ['Software Engineer', 'Data Engineer', 'Product Manager', 'Data Analyst', 'Backend Developer', 'SRE', 'Intern'];
// Where seeded applications stand, roughly like a real pipeline.
const OUTCOMES: ApplicationStatus[] = [
  'applied',
  'applied',
  'viewed',
  'shortlisted',
  'interview',
  'offered',
  'hired',
  'rejected',
  'rejected',
  'withdrawn',
];
const BATCH = 1000;
const PIPELINE: ApplicationStatus[] = ['applied', 'viewed', 'shortlisted', 'interview', 'offered', 'hired'];

/** The path an application took to reach its outcome (withdrawn and rejected branch off after a view). */
const pathTo = (outcome: ApplicationStatus): ApplicationStatus[] =>
  outcome === 'rejected' || outcome === 'withdrawn' ? ['applied', 'viewed', outcome] : PIPELINE.slice(0, PIPELINE.indexOf(outcome) + 1);

// The smallest file the upload checks accept as a PDF; every seeded application points at one shared demo CV.
const DEMO_CV = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

/**
 * Demo jobs posted by alumni and recruiters, and applications from students and alumni, with
 * consistent counters and histories. Deterministic given the faker seed; users that were already
 * there (a second run) are not passed in, so nothing is added twice.
 */
export async function seedJobs(ctx: AppContext, faker: Faker, users: SeededUser[]) {
  const posters = users.filter((u) => u.role === 'alumni' || u.role === 'recruiter');
  const applicants = users.filter((u) => u.role === 'student' || u.role === 'alumni');
  if (!posters.length) return { jobs: 0, applications: 0 };
  const now = Date.now();
  const jobRows = Array.from({ length: Math.max(1, Math.floor(users.length / 4)) }, () => {
    const poster = faker.helpers.arrayElement(posters);
    const min = faker.number.int({ min: 4, max: 20 }) * 100_000_00;
    return {
      title: faker.helpers.arrayElement(TITLES),
      description: faker.lorem.paragraphs(2),
      company: faker.helpers.arrayElement(COMPANIES),
      location: faker.helpers.arrayElement(LOCATIONS),
      job_type: faker.helpers.arrayElement(jobTypes),
      experience_required: faker.number.int({ min: 0, max: 10 }),
      ...skillColumns(faker.helpers.arrayElements(SKILLS, { min: 1, max: 4 })),
      salary_range: { min, max: min + faker.number.int({ min: 1, max: 10 }) * 100_000_00, currency: 'INR', period: 'year' as const },
      apply_link: faker.datatype.boolean() ? `https://careers.example.com/${faker.string.alphanumeric(8)}` : null,
      application_deadline: faker.datatype.boolean() ? new Date(now + faker.number.int({ min: 7, max: 90 }) * 86_400_000) : null,
      posted_by: poster.id,
      created_at: new Date(now - faker.number.int({ min: 0, max: 60 }) * 86_400_000),
    };
  });
  const inserted: { id: string; posted_by: string; created_at: Date }[] = [];
  for (let i = 0; i < jobRows.length; i += BATCH) {
    inserted.push(
      ...(await ctx.db
        .insert(jobs)
        .values(jobRows.slice(i, i + BATCH))
        .returning({ id: jobs.id, posted_by: jobs.posted_by, created_at: jobs.created_at })),
    );
  }
  const cvKey = await storeUpload(ctx, 'cvs', { buffer: DEMO_CV, mime: 'application/pdf', extension: 'pdf', originalName: 'demo-cv.pdf' });

  const applicationRows: (typeof jobApplications.$inferInsert)[] = [];
  const historyRows: (typeof applicationStatusHistory.$inferInsert)[] = [];
  for (const job of inserted) {
    const candidates = faker.helpers
      .arrayElements(applicants, { min: 0, max: Math.min(6, applicants.length) })
      .filter((a) => a.id !== job.posted_by);
    for (const applicant of candidates) {
      const outcome = faker.helpers.arrayElement(OUTCOMES);
      const path = pathTo(outcome);
      const appliedAt = new Date(job.created_at.getTime() + faker.number.int({ min: 1, max: 72 }) * 3_600_000);
      const times = path.map((_, i) => new Date(appliedAt.getTime() + i * faker.number.int({ min: 1, max: 48 }) * 3_600_000));
      const id = faker.string.uuid();
      applicationRows.push({
        id,
        job_id: job.id,
        applicant_id: applicant.id,
        cv_key: cvKey,
        cover_letter: faker.lorem.sentences(2),
        status: outcome,
        applied_at: appliedAt,
        viewed_at: path.length > 1 ? times[1] : null,
        updated_at: times.at(-1)!,
      });
      path.forEach((to, i) =>
        historyRows.push({
          application_id: id,
          from_status: i === 0 ? null : path[i - 1],
          to_status: to,
          changed_by: i === 0 || to === 'withdrawn' ? applicant.id : job.posted_by,
          created_at: times[i],
        }),
      );
    }
  }
  await ctx.db.transaction(async (tx) => {
    for (let i = 0; i < applicationRows.length; i += BATCH) await tx.insert(jobApplications).values(applicationRows.slice(i, i + BATCH));
    for (let i = 0; i < historyRows.length; i += BATCH) await tx.insert(applicationStatusHistory).values(historyRows.slice(i, i + BATCH));
    // Counters from the rows just written; views are at least the applications, plus a stable pseudo-random extra.
    await tx.execute(sql`
      UPDATE jobs SET applications_count = coalesce(a.n, 0), views_count = coalesce(a.n, 0) + abs(hashtext(jobs.id::text)) % 40
      FROM (SELECT j.id, (SELECT count(*) FROM job_applications x WHERE x.job_id = j.id)::int AS n FROM jobs j
            WHERE j.id = ANY(${`{${inserted.map((j) => j.id).join(',')}}`}::uuid[])) a
      WHERE jobs.id = a.id`);
  });
  const applications = applicationRows.length;
  return { jobs: inserted.length, applications };
}
