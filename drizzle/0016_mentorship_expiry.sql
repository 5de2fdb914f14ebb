DROP INDEX "mentorship_requests_pending_age_idx";--> statement-breakpoint
ALTER TABLE "mentorship_requests" ADD COLUMN "expires_at" timestamp with time zone DEFAULT now() + interval '14 days' NOT NULL;--> statement-breakpoint
CREATE INDEX "mentorship_requests_pending_expiry_idx" ON "mentorship_requests" USING btree ("expires_at") WHERE "mentorship_requests"."status" = 'pending';