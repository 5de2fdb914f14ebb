import { hash, verify } from '@node-rs/argon2';
import { badRequest } from '../../lib/errors.js';

// argon2id, 19 MiB, 2 passes: OWASP's baseline; about 20–40 ms on one core here (see bench/).
const OPTIONS = { algorithm: 2 /* Algorithm.Argon2id (a const enum) */, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const hashPassword = (password: string) => hash(password, OPTIONS);
export const verifyPassword = (passwordHash: string, password: string) => verify(passwordHash, password).catch(() => false);

// Compared against when the account does not exist, so both answers take the same time.
let dummyHash: Promise<string> | undefined;
export const burnPasswordCheck = async (password: string) => {
  dummyHash ??= hashPassword('cohort-timing-equaliser');
  await verifyPassword(await dummyHash, password);
};

// The most common passwords that are at least 10 characters long (from public breach lists).
const COMMON = new Set([
  '1234567890',
  '0123456789',
  '0987654321',
  '9876543210',
  '1111111111',
  '0000000000',
  '1234512345',
  '1122334455',
  'qwertyuiop',
  'asdfghjkl;',
  'zxcvbnm123',
  '1q2w3e4r5t',
  'q1w2e3r4t5',
  '1qaz2wsx3edc',
  'qazwsxedcrfv',
  'qwerty1234',
  'qwerty12345',
  'qwerty123456',
  'password12',
  'password123',
  'password1234',
  'password12345',
  'passw0rd123',
  'p@ssw0rd123',
  'p@ssword123',
  'password!!',
  'iloveyou12',
  'iloveyou123',
  'princess123',
  'sunshine123',
  'football123',
  'baseball123',
  'welcome123',
  'welcome1234',
  'letmein123',
  'monkey1234',
  'dragon1234',
  'master1234',
  'abc1234567',
  'abcdefghij',
  'abcdef1234',
  'abcd123456',
  'a123456789',
  '123456789a',
  '123456789q',
  'aaaaaaaaaa',
  'administrator',
  'admin12345',
  'admin123456',
  'changeme123',
  'trustno1234',
  'superman123',
  'batman12345',
  'starwars123',
  'computer123',
  'internet123',
  'michael123',
  'jennifer123',
  'whatever123',
  'basketball',
  'basketball1',
  'football12',
  'skateboard',
  'liverpool1',
  'chocolate1',
  'butterfly1',
  'password1!',
  'qwerty123!',
  'mypassword',
  'mypassword1',
  'secret1234',
  'cohort1234',
  'alumni1234',
  'university',
  'university1',
  'student123',
  'student1234',
]);

/** API.md's policy: at least 10 characters, not a common password, not the e-mail address. */
export function checkPasswordPolicy(password: string, email: string | null, field = 'password') {
  if (password.length < 10) throw badRequest(field, 'must be at least 10 characters long');
  if (password.length > 256) throw badRequest(field, 'must be at most 256 characters long');
  const lower = password.toLowerCase();
  if (COMMON.has(lower) || /^(.)\1+$/.test(password)) throw badRequest(field, 'is too common; choose another one');
  if (email) {
    const e = email.toLowerCase();
    if (lower === e || lower === e.split('@')[0]) throw badRequest(field, 'must not be your e-mail address');
  }
}
