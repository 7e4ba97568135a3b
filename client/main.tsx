/** The app: one small router over the pages. The server serves this at every page path. */
import { render } from "preact";
import { currentPath, matchRoute } from "./lib/router.ts";
import { HomePage } from "./pages/home.tsx";
import { MeetingPage } from "./pages/meeting.tsx";
import { NotFoundPage } from "./pages/not-found.tsx";

function App() {
  const path = currentPath.value;
  if (path === "/") return <HomePage />;
  const meeting = matchRoute("/m/:code", path);
  if (meeting) return <MeetingPage key={meeting.code} code={meeting.code!} />;
  return <NotFoundPage />;
}

render(<App />, document.getElementById("app")!);
