/** The app: one small router over the pages. The server serves this at every page path. */
import { render } from "preact";
import { currentPath, matchRoute } from "./lib/router.ts";
import { loadCurrentUser } from "./lib/session.ts";
import "./lib/theme.ts";
import { CalendarPage } from "./pages/calendar.tsx";
import { HomePage } from "./pages/home.tsx";
import { LoginPage } from "./pages/login.tsx";
import { MeetingPage } from "./pages/meeting.tsx";
import { MeetingMemoryPage } from "./pages/meeting-memory.tsx";
import { NotFoundPage } from "./pages/not-found.tsx";
import { ProfilePage } from "./pages/profile.tsx";
import { ResourcesPage } from "./pages/resources.tsx";
import { SignupPage } from "./pages/signup.tsx";
import { TeamPage } from "./pages/team.tsx";
import { TeamsPage } from "./pages/teams.tsx";

/** Pages by path; keep in step with CLIENT_PAGES in src/http/routes/client.ts. */
const PAGES: Record<string, () => preact.JSX.Element> = {
  "/": () => <HomePage />,
  "/login": () => <LoginPage />,
  "/signup": () => <SignupPage />,
  "/calendar": () => <CalendarPage />,
  "/teams": () => <TeamsPage />,
  "/resources": () => <ResourcesPage />,
  "/profile": () => <ProfilePage />,
};

function App() {
  const path = currentPath.value;
  const page = PAGES[path];
  if (page) return page();
  const memory = matchRoute("/m/:code/memory", path);
  if (memory) return <MeetingMemoryPage key={memory.code} code={memory.code!} />;
  const meeting = matchRoute("/m/:code", path);
  if (meeting) return <MeetingPage key={meeting.code} code={meeting.code!} />;
  const team = matchRoute("/teams/:id", path);
  if (team) return <TeamPage key={team.id} id={team.id!} />;
  return <NotFoundPage />;
}

void loadCurrentUser();
render(<App />, document.getElementById("app")!);
