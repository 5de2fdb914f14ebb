import type { Faker } from '@faker-js/faker';
import { sql } from 'drizzle-orm';
import type { AppContext } from '../../lib/context.js';
import type { SeededUser } from '../../db/seed.js';
import { engagementComments, engagementLikes } from '../engagement/engagement.tables.js';
import { FORUM_COMMENT, FORUM_POST } from './forum.content.js';
import { forumPosts } from './forum.tables.js';

/** The demo tags (the forum bench draws from the same list). */
export const FORUM_SEED_TAGS = [
  'career',
  'interview',
  'higher-studies',
  'startups',
  'placements',
  'referrals',
  'campus',
  'reunion',
  'mentorship',
  'data-science',
  'web-dev',
  'gate',
  'gre',
  'internships',
];
const OPENERS = [
  'How do I prepare for',
  'Advice needed on',
  'Looking back at',
  'Resources for',
  'Anyone else thinking about',
  'Lessons learned from',
  'AMA about',
  'Weekly thread:',
];
const TOPICS = [
  'product management interviews',
  'switching to data science',
  'MS applications',
  'the 2016 reunion',
  'first-job negotiation',
  'system design rounds',
  'startup equity',
  'campus placements',
  'remote work',
  'GATE preparation',
];
const BATCH = 1000;

/** `YYYYMMDDHHMMSSUUUUUU` + id, the per-level key engagement's threads sort by (see engagement.comments.ts). */
const levelKey = (at: Date, id: string) => `${at.toISOString().replace(/\D/g, '')}000${id.replace(/-/g, '')}`;

/**
 * Demo posts with threaded comments and likes, counters computed from the rows. Deterministic given
 * the faker seed; only users created by this run are passed in, so a second run adds nothing.
 */
export async function seedForum(ctx: AppContext, faker: Faker, users: SeededUser[]) {
  if (!users.length) return { posts: 0, comments: 0, likes: 0 };
  const now = Date.now();
  const posts = Array.from({ length: Math.max(1, Math.floor(users.length / 2)) }, () => ({
    id: faker.string.uuid(),
    author_id: faker.helpers.arrayElement(users).id,
    title: `${faker.helpers.arrayElement(OPENERS)} ${faker.helpers.arrayElement(TOPICS)}`,
    content: `${faker.lorem.paragraph()}\n\n- ${faker.lorem.sentence()}\n- ${faker.lorem.sentence()}\n\n**${faker.lorem.sentence()}**`,
    tags: faker.helpers.arrayElements(FORUM_SEED_TAGS, { min: 1, max: 3 }),
    is_pinned: false,
    created_at: new Date(now - faker.number.int({ min: 1, max: 90 * 24 }) * 3_600_000),
  }));
  posts[0].is_pinned = true;
  const comments: (typeof engagementComments.$inferInsert)[] = [];
  const likes: (typeof engagementLikes.$inferInsert)[] = [];
  for (const post of posts) {
    const thread: { id: string; key: string; depth: number; at: Date }[] = [];
    const count = faker.number.int({ min: 0, max: 6 });
    for (let i = 0; i < count; i++) {
      const parent = thread.length && faker.datatype.boolean(0.4) ? faker.helpers.arrayElement(thread) : undefined;
      const at = new Date((parent?.at ?? post.created_at).getTime() + faker.number.int({ min: 1, max: 48 }) * 3_600_000);
      const id = faker.string.uuid();
      const key = parent ? `${parent.key}/${levelKey(at, id)}` : levelKey(at, id);
      const depth = parent ? parent.depth + 1 : 0;
      thread.push({ id, key, depth, at });
      comments.push({
        id,
        content_type: FORUM_POST,
        content_id: post.id,
        parent_id: parent?.id ?? null,
        author_id: faker.helpers.arrayElement(users).id,
        content: faker.lorem.sentences({ min: 1, max: 3 }),
        depth,
        sort_key: key,
        created_at: at,
        updated_at: at,
      });
    }
    for (const liker of faker.helpers.arrayElements(users, { min: 0, max: Math.min(10, users.length) })) {
      likes.push({ content_type: FORUM_POST, content_id: post.id, user_id: liker.id });
    }
    for (const c of thread) {
      for (const liker of faker.helpers.arrayElements(users, { min: 0, max: Math.min(3, users.length) })) {
        likes.push({ content_type: FORUM_COMMENT, content_id: c.id, user_id: liker.id });
      }
    }
  }
  await ctx.db.transaction(async (tx) => {
    for (let i = 0; i < posts.length; i += BATCH) await tx.insert(forumPosts).values(posts.slice(i, i + BATCH));
    for (let i = 0; i < comments.length; i += BATCH) await tx.insert(engagementComments).values(comments.slice(i, i + BATCH));
    for (let i = 0; i < likes.length; i += BATCH) await tx.insert(engagementLikes).values(likes.slice(i, i + BATCH));
    const postIds = `{${posts.map((p) => p.id).join(',')}}`;
    // Counters from the rows just written (the same numbers the live code keeps).
    await tx.execute(sql`
      INSERT INTO engagement_counters (content_type, content_id, likes_count, comments_count, likes_milestone)
      SELECT t.content_type, t.content_id, t.likes, t.comments,
        CASE WHEN t.likes >= 100 THEN 100 WHEN t.likes >= 10 THEN 10 WHEN t.likes >= 1 THEN 1 ELSE 0 END
      FROM (
        SELECT ${FORUM_POST}::text AS content_type, p.id AS content_id,
          (SELECT count(*) FROM engagement_likes l WHERE l.content_type = ${FORUM_POST} AND l.content_id = p.id)::int AS likes,
          (SELECT count(*) FROM engagement_comments c WHERE c.content_type = ${FORUM_POST} AND c.content_id = p.id)::int AS comments
        FROM unnest(${postIds}::uuid[]) AS p(id)
        UNION ALL
        SELECT ${FORUM_COMMENT}::text, c.id, (SELECT count(*) FROM engagement_likes l WHERE l.content_type = ${FORUM_COMMENT} AND l.content_id = c.id)::int, 0
        FROM engagement_comments c WHERE c.content_type = ${FORUM_POST} AND c.content_id = ANY(${postIds}::uuid[])
      ) t
      ON CONFLICT (content_type, content_id) DO NOTHING`);
  });
  return { posts: posts.length, comments: comments.length, likes: likes.length };
}
