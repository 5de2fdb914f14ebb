DROP INDEX "audit_log_created_idx";--> statement-breakpoint
DROP INDEX "audit_log_admin_idx";--> statement-breakpoint
DROP INDEX "audit_log_action_idx";--> statement-breakpoint
DROP INDEX "engagement_bookmarks_list_idx";--> statement-breakpoint
DROP INDEX "engagement_comments_author_idx";--> statement-breakpoint
DROP INDEX "engagement_likes_user_idx";--> statement-breakpoint
DROP INDEX "forum_posts_list_idx";--> statement-breakpoint
DROP INDEX "forum_posts_author_idx";--> statement-breakpoint
DROP INDEX "job_applications_job_order_idx";--> statement-breakpoint
DROP INDEX "job_applications_applicant_order_idx";--> statement-breakpoint
DROP INDEX "jobs_board_order_idx";--> statement-breakpoint
DROP INDEX "jobs_posted_by_idx";--> statement-breakpoint
DROP INDEX "jobs_job_type_idx";--> statement-breakpoint
DROP INDEX "mentorship_requests_mentor_idx";--> statement-breakpoint
DROP INDEX "mentorship_requests_student_idx";--> statement-breakpoint
DROP INDEX "mentorships_mentor_idx";--> statement-breakpoint
DROP INDEX "mentorships_student_idx";--> statement-breakpoint
CREATE INDEX "audit_log_created_idx" ON "audit_log" USING btree ("created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "audit_log_admin_idx" ON "audit_log" USING btree ("admin_id","created_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "audit_log_action_idx" ON "audit_log" USING btree ("action_type","created_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "engagement_bookmarks_list_idx" ON "engagement_bookmarks" USING btree ("user_id","content_type","created_at" DESC NULLS FIRST,"content_id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "engagement_comments_author_idx" ON "engagement_comments" USING btree ("author_id","created_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "engagement_likes_user_idx" ON "engagement_likes" USING btree ("user_id","created_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "forum_posts_list_idx" ON "forum_posts" USING btree ("is_pinned" DESC NULLS FIRST,"created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX "forum_posts_author_idx" ON "forum_posts" USING btree ("author_id","is_pinned" DESC NULLS FIRST,"created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX "job_applications_job_order_idx" ON "job_applications" USING btree ("job_id","applied_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "job_applications_applicant_order_idx" ON "job_applications" USING btree ("applicant_id","applied_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "jobs_board_order_idx" ON "jobs" USING btree ("created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST) WHERE status = 'active' AND deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX "jobs_posted_by_idx" ON "jobs" USING btree ("posted_by","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "jobs_job_type_idx" ON "jobs" USING btree ("job_type","created_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "mentorship_requests_mentor_idx" ON "mentorship_requests" USING btree ("mentor_id","requested_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "mentorship_requests_student_idx" ON "mentorship_requests" USING btree ("student_id","requested_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "mentorships_mentor_idx" ON "mentorships" USING btree ("mentor_id","started_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "mentorships_student_idx" ON "mentorships" USING btree ("student_id","started_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);