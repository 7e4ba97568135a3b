/** Teams (placeholder until built). */
import { Layout } from "../components/layout.tsx";

export function TeamsPage() {
  return (
    <Layout title="Teams">
      <h1>Teams</h1>
    </Layout>
  );
}
