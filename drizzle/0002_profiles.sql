CREATE TABLE "profile_verification_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"source" text NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"reason" text
);
--> statement-breakpoint
CREATE TABLE "profiles" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"headline" text,
	"bio" text,
	"photo_key" text,
	"cv_key" text,
	"current_company" text,
	"current_role" text,
	"location" text,
	"batch_year" integer,
	"degree" text,
	"department" text,
	"experience_timeline" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"education_details" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"skills" text[] DEFAULT '{}'::text[] NOT NULL,
	"skills_lower" text[] DEFAULT '{}'::text[] NOT NULL,
	"achievements" text[] DEFAULT '{}'::text[] NOT NULL,
	"social_links" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"search_text" text DEFAULT '' NOT NULL,
	"directory_visible" boolean DEFAULT true NOT NULL,
	"contact_visibility" text DEFAULT 'members' NOT NULL,
	"profile_completion_percentage" integer DEFAULT 0 NOT NULL,
	"is_verified" boolean DEFAULT false NOT NULL,
	"verification_status" text DEFAULT 'unverified' NOT NULL,
	"verified_by" uuid,
	"verified_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "profile_verification_requests" ADD CONSTRAINT "profile_verification_requests_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "profile_verification_requests" ADD CONSTRAINT "profile_verification_requests_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "profiles" ADD CONSTRAINT "profiles_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "profiles" ADD CONSTRAINT "profiles_verified_by_users_id_fk" FOREIGN KEY ("verified_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "profile_verification_requests_queue_idx" ON "profile_verification_requests" USING btree ("status","requested_at","id");--> statement-breakpoint
CREATE INDEX "profile_verification_requests_user_idx" ON "profile_verification_requests" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "profile_verification_requests_one_pending_idx" ON "profile_verification_requests" USING btree ("user_id") WHERE "profile_verification_requests"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "profiles_name_c_user_id_idx" ON "profiles" USING btree ("name" COLLATE "C","user_id");--> statement-breakpoint
CREATE INDEX "profiles_name_trgm_idx" ON "profiles" USING gin (lower("name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "profiles_current_role_trgm_idx" ON "profiles" USING gin (lower("current_role") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "profiles_search_text_trgm_idx" ON "profiles" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "profiles_skills_lower_idx" ON "profiles" USING gin ("skills_lower");--> statement-breakpoint
CREATE INDEX "profiles_company_lower_idx" ON "profiles" USING btree (lower("current_company"));--> statement-breakpoint
CREATE INDEX "profiles_location_lower_idx" ON "profiles" USING btree (lower("location"));--> statement-breakpoint
CREATE INDEX "profiles_department_lower_idx" ON "profiles" USING btree (lower("department"));--> statement-breakpoint
CREATE INDEX "profiles_batch_year_idx" ON "profiles" USING btree ("batch_year");