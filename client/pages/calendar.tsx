/** Calendar (placeholder until built). */
import { Layout } from "../components/layout.tsx";

export function CalendarPage() {
  return (
    <Layout title="Calendar">
      <h1>Calendar</h1>
    </Layout>
  );
}
