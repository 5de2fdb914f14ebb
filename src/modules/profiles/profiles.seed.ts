import type { Faker } from '@faker-js/faker';
import type { SeededUser } from '../../db/seed.js';
import type { AppContext } from '../../lib/context.js';
import { bumpProfilesGeneration } from './profiles.cache.js';
import { normalizeSkills } from '../../lib/text.js';
import { derivedColumns } from './profiles.rules.js';
import { defaultVisibility } from './profiles.service.js';
import { profiles, type EducationEntry, type ExperienceEntry } from './profiles.tables.js';

const COMPANIES = [
  'Google',
  'Microsoft',
  'Amazon',
  'Infosys',
  'Tata Consultancy Services',
  'Wipro',
  'Flipkart',
  'Accenture',
  'Deloitte',
  'Atlassian',
  'Zoho',
  'Freshworks',
  'IBM',
  'Razorpay',
  'Swiggy',
];
const ROLES = [
  'Software Engineer',
  'Senior Software Engineer',
  'Data Scientist',
  'Product Manager',
  'Engineering Manager',
  'Data Engineer',
  'DevOps Engineer',
  'UX Designer',
  'Business Analyst',
  'Research Scientist',
];
const LOCATIONS = [
  'Pune, India',
  'Bangalore, India',
  'Mumbai, India',
  'Hyderabad, India',
  'Chennai, India',
  'Delhi, India',
  'London, United Kingdom',
  'Berlin, Germany',
  'San Francisco, USA',
  'Singapore, Singapore',
];
const DEPARTMENTS = ['Computer Science', 'Electronics', 'Mechanical', 'Civil', 'Electrical', 'Information Technology', 'Chemical'];
const DEGREES = ['B.Tech', 'M.Tech', 'B.E.', 'MBA', 'M.Sc', 'PhD'];
const SKILLS = [
  'Python',
  'Java',
  'JavaScript',
  'TypeScript',
  'SQL',
  'Go',
  'Rust',
  'C++',
  'React',
  'Node.js',
  'AWS',
  'Kubernetes',
  'Docker',
  'Machine Learning',
  'Data Analysis',
  'Product Management',
  'Figma',
  'Leadership',
  'PostgreSQL',
  'Spark',
];

/**
 * Realistic profiles for the seeded users (deterministic: the caller's faker is seeded); existing
 * profiles are kept. Each starts with the admin's default visibility, and 1 owner in 20 has turned it
 * the other way, as real owners do (decision 111).
 */
export async function seedProfiles(ctx: AppContext, faker: Faker, users: SeededUser[]) {
  const thisYear = new Date().getUTCFullYear();
  const listedByDefault = await defaultVisibility(ctx);
  const rows = users.map((user) => {
    const student = user.role === 'student';
    const batch_year = student
      ? faker.number.int({ min: thisYear, max: thisYear + 3 })
      : faker.number.int({ min: 1995, max: thisYear - 1 });
    const company = student ? null : faker.helpers.arrayElement(COMPANIES);
    const role = student
      ? null
      : user.role === 'faculty'
        ? 'Professor'
        : user.role === 'recruiter'
          ? 'Talent Acquisition Lead'
          : faker.helpers.arrayElement(ROLES);
    const department = faker.helpers.arrayElement(DEPARTMENTS);
    const degree = faker.helpers.arrayElement(DEGREES);
    const skills = normalizeSkills(faker.helpers.arrayElements(SKILLS, { min: 2, max: 7 }));
    const experience: ExperienceEntry[] = company
      ? [
          {
            company,
            role: role!,
            location: faker.helpers.arrayElement(LOCATIONS),
            start_date: `${Math.min(batch_year + 1, thisYear)}-07`,
            end_date: null,
            description: faker.lorem.sentence(),
          },
        ]
      : [];
    const education: EducationEntry[] = [
      { institution: 'Cohort Institute of Technology', degree, field: department, start_year: batch_year - 4, end_year: batch_year },
    ];
    const profile = {
      user_id: user.id,
      name: user.name,
      headline: role ? `${role}${company ? ` at ${company}` : ''}` : `${department} student`,
      bio: faker.lorem.paragraph(),
      current_company: company,
      current_role: role,
      location: faker.helpers.arrayElement(LOCATIONS),
      batch_year,
      degree,
      department,
      experience_timeline: experience,
      education_details: education,
      skills,
      achievements: faker.datatype.boolean() ? [faker.lorem.sentence({ min: 3, max: 8 })] : [],
      social_links: { linkedin: `https://www.linkedin.com/in/${user.email.split('@')[0].replace(/[^a-z0-9-]/g, '-')}` },
      directory_visible: (faker.number.int({ min: 1, max: 20 }) === 1) !== listedByDefault,
    };
    return { ...profile, ...derivedColumns(profile) };
  });
  for (let i = 0; i < rows.length; i += 500) {
    await ctx.db
      .insert(profiles)
      .values(rows.slice(i, i + 500))
      .onConflictDoNothing();
  }
  await bumpProfilesGeneration(ctx);
  return rows.length;
}
