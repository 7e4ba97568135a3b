ALTER TABLE "meetings" ADD COLUMN "lobby" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "meetings" ADD COLUMN "self_unmute" boolean DEFAULT true NOT NULL;