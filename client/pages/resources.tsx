/** Resources (placeholder until built). */
import { Layout } from "../components/layout.tsx";

export function ResourcesPage() {
  return (
    <Layout title="Resources">
      <h1>Resources</h1>
    </Layout>
  );
}
