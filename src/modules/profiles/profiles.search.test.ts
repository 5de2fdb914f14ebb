import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, problemOf, type TestApp, type TestUser, csvLine, importCsv, member } from '../../../test/helpers.js';
import { ProfileCardSchema } from './profiles.schemas.js';

let t: TestApp;
let viewer: TestUser;
let admin: TestUser;

// [name, company, role, location, department, batch_year, skills]
const people: [string, string, string, string, string, number, string][] = [
  ['Maria Garcia', 'Google', 'Data Scientist', 'Pune, India', 'Computer Science', 2015, 'Python;SQL;Java'],
  ['Mariana Li', 'GOOGLE', 'Senior Software Engineer', 'pune, india', 'Electronics', 2016, 'JavaScript;React'],
  ['Amara Garcia', 'Google Cloud', 'Scientist, Data', 'Bangalore, India', 'Computer Science', 2015, 'C++;Rust'],
  ['Omar Garcia', 'Microsoft', 'Software Engineer', 'Pune', 'Mechanical', 2017, 'java;c++'],
  ['Bob Stone', 'Infosys', 'Product Manager', 'Mumbai, India', 'Computer Science', 2015, 'Leadership'],
  ['Under_Score Person', 'Infosys', 'Data Engineer', 'Mumbai, India', 'Electronics', 2018, 'Spark;SQL'],
  ['Percent 100% Sure', 'Wipro', 'Engineer', 'Chennai, India', 'Civil', 2019, 'Excel'],
  ['zed Lower', 'Wipro', 'Data Scientist', 'Chennai, India', 'Civil', 2015, 'Python'],
];

beforeAll(async () => {
  t = await createTestApp();
  viewer = await t.user('student');
  admin = await t.user('admin');
  const csv = [
    'email,name,current_company,current_role,location,department,batch_year,skills,role',
    ...people.map((p, i) => csvLine([`person${i}@search.test`, ...p, i === 1 ? 'student' : ''])),
    // 20 filler rows for pagination.
    ...Array.from({ length: 20 }, (_, i) =>
      csvLine([
        `filler${i}@search.test`,
        `Filler ${String(i).padStart(2, '0')}`,
        'Filler Corp',
        'Analyst',
        'Delhi, India',
        'Chemical',
        2020,
        'Excel',
      ]),
    ),
  ].join('\n');
  const res = await importCsv(admin, csv);
  expect(res.statusCode).toBe(200);
  expect(res.json()).toMatchObject({ created: 28, skipped: 0 });
});
afterAll(() => t?.close());

const search = async (query: string, user: TestUser = viewer) => {
  const res = await user.inject({ method: 'GET', url: `/api/profiles/search?${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { results: { user_id: string; name: string }[]; next_cursor: string | null; count: number };
};
const names = async (query: string) => {
  const body = await search(`${query}&limit=100`);
  expect(body.count).toBe(body.results.length);
  return body.results.map((r) => r.name).sort();
};

describe('GET /api/profiles/search filters (SEARCH.md)', () => {
  it('when name has tokens, then every token is a case-insensitive substring in any order', async () => {
    expect(await names('name=maria')).toEqual(['Maria Garcia', 'Mariana Li']);
    expect(await names('name=mar%20gar')).toEqual(['Amara Garcia', 'Maria Garcia', 'Omar Garcia']);
    expect(await names('name=GAR+mar')).toEqual(['Amara Garcia', 'Maria Garcia', 'Omar Garcia']);
    expect(await names('name=%20%20rcia%20%20')).toEqual(['Amara Garcia', 'Maria Garcia', 'Omar Garcia']);
  });

  it('when name holds %, _ or \\, then they are ordinary characters', async () => {
    expect(await names('name=_')).toEqual(['Under_Score Person']);
    expect(await names('name=%25')).toEqual(['Percent 100% Sure']);
    expect(await names('name=%5C')).toEqual([]);
    expect(await names('name=r_s')).toEqual(['Under_Score Person']);
    expect(await names('name=r_i')).toEqual([]); // a wildcard _ would match "Garcia"
    expect(await names('name=100%25%20sure')).toEqual(['Percent 100% Sure']);
  });

  it('when company is given, then it is case-insensitive equality with the whole value', async () => {
    expect(await names('company=google')).toEqual(['Maria Garcia', 'Mariana Li']);
    expect(await names('company=Google%20Cloud')).toEqual(['Amara Garcia']);
    expect(await names('company=goog')).toEqual([]);
  });

  it('when location is given, then it is case-insensitive equality with the stored string', async () => {
    expect(await names('location=PUNE,%20INDIA')).toEqual(['Maria Garcia', 'Mariana Li']);
    expect(await names('location=Pune')).toEqual(['Omar Garcia']);
  });

  it('when skills are given, then the profile has all of them, whole and case-insensitive', async () => {
    expect(await names('skills=java')).toEqual(['Maria Garcia', 'Omar Garcia']);
    expect(await names('skills=c%2B%2B')).toEqual(['Amara Garcia', 'Omar Garcia']);
    expect(await names('skills=JAVA,%20c%2B%2B')).toEqual(['Omar Garcia']);
    expect(await names('skills=python,,python,')).toEqual(['Maria Garcia', 'zed Lower']);
    expect(await names('skills=c++')).toEqual([]); // "+" is a space: the skill "c  " does not exist
  });

  it('when job_role is given, then it is a case-insensitive substring of current_role as one piece', async () => {
    expect(await names('job_role=data%20scientist')).toEqual(['Maria Garcia', 'zed Lower']);
    expect(await names('job_role=ENGINEER')).toEqual(['Mariana Li', 'Omar Garcia', 'Percent 100% Sure', 'Under_Score Person']);
  });

  it('when batch_year and department are given, then both must match', async () => {
    expect(await names('batch_year=2015')).toEqual(['Amara Garcia', 'Bob Stone', 'Maria Garcia', 'zed Lower']);
    expect(await names('batch_year=2015&department=computer%20science')).toEqual(['Amara Garcia', 'Bob Stone', 'Maria Garcia']);
  });

  it('when filters are combined, then they are ANDed, and empty parameters filter nothing', async () => {
    expect(await names('company=google&skills=python&name=gar&batch_year=2015&location=pune,%20india&job_role=data')).toEqual([
      'Maria Garcia',
    ]);
    expect(await names('company=&skills=rust&name=%20&batch_year=&verified_only=&job_role=&location=')).toEqual(['Amara Garcia']);
  });

  it('when q is given, then every token is found in name, headline, company, role or skills', async () => {
    expect(await names('q=garcia%20rust')).toEqual(['Amara Garcia']);
    expect(await names('q=microsoft')).toEqual(['Omar Garcia']);
  });

  it('when verified_only=true, then only verified profiles match (none after an import); false filters nothing', async () => {
    expect((await search('verified_only=true')).count).toBe(0);
    expect((await search('verified_only=false')).count).toBe(28);
  });

  it('when no filter is given, then every role is listed, ordered by name in byte order then id', async () => {
    const body = await search('limit=100');
    expect(body.count).toBe(28);
    const list = body.results.map((r) => r.name);
    expect(list).toEqual([...list].sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1)));
    expect(list.at(-1)).toBe('zed Lower');
    expect(body.results.find((r) => r.name === 'Mariana Li')).toMatchObject({ role: 'student' });
  });

  it('when cards are listed, then each carries exactly the card fields, never other columns of the profile or account', async () => {
    const cardFields = Object.keys(ProfileCardSchema.properties).sort();
    for (const list of ['search', 'directory']) {
      const res = await viewer.inject({ method: 'GET', url: `/api/profiles/${list}?limit=100` });
      const { results } = res.json() as { results: Record<string, unknown>[] };
      expect(results).toHaveLength(28);
      for (const card of results) expect(Object.keys(card).sort()).toEqual(cardFields);
      expect(res.body).not.toMatch(/photo_key|cv_key|search_text|skills_lower|email|"bio"|social_links|owner_deleted/);
    }
  });
});

describe('how a page is planned', () => {
  it('when a search filters by values, then its page is planned for them (sent unnamed); the unfiltered directory stays one prepared statement', async () => {
    const sent: { name?: string; text: string }[] = [];
    const pool = t.database.pool as unknown as { query: (config: unknown, ...rest: unknown[]) => unknown };
    const query = pool.query;
    pool.query = function (this: unknown, config: unknown, ...rest: unknown[]) {
      const c = config as { name?: string; text: string };
      if (typeof c === 'object' && /"page"/.test(c.text)) sent.push({ name: c.name, text: c.text });
      return query.call(this, config, ...rest);
    };
    try {
      for (const url of [
        '/api/profiles/search?company=Google',
        '/api/profiles/search?name=garcia&skills=python',
        '/api/profiles/directory?limit=5',
      ]) {
        expect((await viewer.inject({ method: 'GET', url })).statusCode).toBe(200);
      }
    } finally {
      pool.query = query;
    }
    expect(sent.map((s) => s.name)).toEqual([undefined, undefined, expect.stringMatching(/^profiles-page-\d+$/)]);
  });
});

describe('malformed search parameters', () => {
  it.each([
    ['batch_year=abc', 'batch_year'],
    ['batch_year=20.5', 'batch_year'],
    ['verified_only=maybe', 'verified_only'],
    ['verified_only=TRUE', 'verified_only'],
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['cursor=forged.cursor', 'cursor'],
    ['cursor=eyJhIjoxfQ', 'cursor'],
  ])('when %s, then it is 400 validation_failed naming %s', async (query, field) => {
    const res = await viewer.inject({ method: 'GET', url: `/api/profiles/search?${query}` });
    expect(res.statusCode).toBe(400);
    const problem = problemOf(res);
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors?.map((e) => e.field)).toContain(field);
  });

  it('when nobody is signed in, then search, directory and facets are 401', async () => {
    for (const url of ['/api/profiles/search', '/api/profiles/directory', '/api/profiles/filters/options']) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(401);
    }
  });
});

describe('pagination', () => {
  it('when the pages are walked to the end, then every match appears once and every page has the same count', async () => {
    const seen: string[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const body = await search(`limit=3&cursor=${encodeURIComponent(cursor)}`);
      expect(body.count).toBe(28);
      seen.push(...body.results.map((r) => r.user_id));
      cursor = body.next_cursor;
      pages++;
    }
    expect(pages).toBe(10);
    expect(new Set(seen).size).toBe(28);
  });

  it('when rows are inserted while paging, then no row repeats and every row present at the start is returned', async () => {
    const before = (await search('limit=100')).results.map((r) => r.user_id);
    const seen: string[] = [];
    let cursor: string | null = '';
    let i = 0;
    while (cursor !== null) {
      const [body]: [Awaited<ReturnType<typeof search>>, unknown] = await Promise.all([
        search(`limit=4&cursor=${encodeURIComponent(cursor)}`),
        member(t, { name: `${String.fromCharCode(65 + (i % 26))}inserted ${i++}` }),
      ]);
      seen.push(...body.results.map((r) => r.user_id));
      cursor = body.next_cursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of before) expect(seen).toContain(id);
  });

  it('when a cursor of the directory is used, then the next page continues in the same order', async () => {
    const first = await viewer.inject({ method: 'GET', url: '/api/profiles/directory?limit=2' });
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    const page2 = (await viewer.inject({ method: 'GET', url: `/api/profiles/directory?limit=2&cursor=${page1.next_cursor}` })).json();
    const all = (await viewer.inject({ method: 'GET', url: '/api/profiles/directory?limit=4' })).json();
    expect([...page1.results, ...page2.results].map((r: { user_id: string }) => r.user_id)).toEqual(
      all.results.map((r: { user_id: string }) => r.user_id),
    );
    expect(page1.count).toBe(all.count);
  });
});
