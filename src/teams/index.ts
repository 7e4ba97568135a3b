export { createTeams, type Teams, type TeamView, type TeamMemberView } from "./teams.ts";
