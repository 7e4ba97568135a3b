/** Team (placeholder until built). */
import { Layout } from "../components/layout.tsx";

export function TeamPage(_props: { id: string }) {
  return (
    <Layout title="Team">
      <h1>Team</h1>
    </Layout>
  );
}
