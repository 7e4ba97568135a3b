/** Log in (placeholder until built). */
import { Layout } from "../components/layout.tsx";

export function LoginPage() {
  return (
    <Layout title="Log in">
      <h1>Log in</h1>
    </Layout>
  );
}
