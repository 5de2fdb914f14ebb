CREATE TABLE "job_match_queue" (
	"job_id" uuid PRIMARY KEY NOT NULL,
	"queued_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "job_match_recipients" (
	"day" date NOT NULL,
	"user_id" uuid NOT NULL,
	"job_ids" uuid[] NOT NULL,
	"notified" boolean DEFAULT false NOT NULL,
	"pending" boolean DEFAULT true NOT NULL,
	CONSTRAINT "job_match_recipients_day_user_id_pk" PRIMARY KEY("day","user_id")
);
--> statement-breakpoint
ALTER TABLE "job_match_recipients" ADD CONSTRAINT "job_match_recipients_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "job_match_recipients_pending_idx" ON "job_match_recipients" USING btree ("day","user_id") WHERE pending;