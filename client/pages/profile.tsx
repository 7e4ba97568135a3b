/** Profile (placeholder until built). */
import { Layout } from "../components/layout.tsx";

export function ProfilePage() {
  return (
    <Layout title="Profile">
      <h1>Profile</h1>
    </Layout>
  );
}
