import sanitizeHtml from 'sanitize-html';
import type { Tx } from '../../db/client.js';
import type { Actor } from '../../lib/context.js';
import { badRequest, notFound } from '../../lib/errors.js';

/** What engagement needs to know about one item, whatever module owns it. */
export interface ContentItem {
  id: string;
  authorId: string;
  /** Hidden by reports or by a moderator: only its author and admins see it. */
  hidden: boolean;
}

/** One line of the moderation queue: enough for an admin to decide without opening the item. */
export interface ContentPreview {
  title: string;
  /** Plain text (no markup), at most ~280 characters. */
  excerpt: string;
  author_id: string;
  author_name: string;
  /** Path in the client app, e.g. `/forum/posts/<id>`. */
  link: string;
  is_hidden: boolean;
  is_deleted: boolean;
  created_at: Date;
}

/**
 * A kind of item that members can like, comment on, report and bookmark. A module registers one
 * per kind (see docs/engagement.md); the engagement functions and the moderation queue then work on
 * it by name, without knowing its table.
 */
export interface ContentType {
  /** Stable snake_case name stored in every engagement row, e.g. `forum_post`. Never rename. */
  name: string;
  /** Human name for messages: "forum post". */
  label: string;
  /** The item unless missing or deleted (hidden items are returned, flagged). */
  find(db: Tx, id: string): Promise<ContentItem | undefined>;
  /** Previews of these items, deleted ones included (missing ids are left out). */
  previews(db: Tx, ids: string[]): Promise<Map<string, ContentPreview>>;
  /** Hide or show the item; true when that changed something. Runs in the moderation transaction. */
  setHidden(tx: Tx, id: string, hidden: boolean): Promise<boolean>;
  /** Delete the item (soft); true when it was live. Runs in the moderation transaction. */
  remove(tx: Tx, id: string): Promise<boolean>;
  /** Name of the content type of this item's comments, when members may comment on it. */
  commentType?: string;
}

const registry = new Map<string, ContentType>();

/** Registers (or replaces, so building several apps in one process is harmless) a content type. */
export function registerContentType(type: ContentType) {
  if (!/^[a-z][a-z0-9_]{1,39}$/.test(type.name)) throw new Error(`bad content type name: ${type.name}`);
  registry.set(type.name, type);
}

export const contentTypeNames = () => [...registry.keys()];

export function contentTypeOf(name: string, field?: string): ContentType {
  const type = registry.get(name);
  if (!type) throw field ? badRequest(field, 'is not a registered content type') : notFound('Content type');
  return type;
}

export const canSeeHidden = (actor: Actor, item: ContentItem) => actor.role === 'admin' || actor.id === item.authorId;

/** The item as this actor may see it: missing, deleted, or hidden from them all read 404 (no leak). */
export async function visibleItem(db: Tx, actor: Actor, typeName: string, id: string, what?: string) {
  const type = contentTypeOf(typeName);
  const item = await type.find(db, id);
  if (!item || (item.hidden && !canSeeHidden(actor, item))) throw notFound(what ?? capitalize(type.label));
  return { type, item };
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Markdown (which may carry raw HTML) as plain text for anything the server renders itself:
 * notification messages, e-mails, queue previews. Every tag is dropped, entities stay escaped.
 */
export function plainText(markdown: string, max = 280) {
  const text = sanitizeHtml(markdown, { allowedTags: [], allowedAttributes: {} }).replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
