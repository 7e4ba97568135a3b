CREATE TABLE "cancelled_meetings" (
	"code" text PRIMARY KEY NOT NULL,
	"team_id" uuid,
	"cancelled_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "cancelled_meetings" ADD CONSTRAINT "cancelled_meetings_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;