/** Sign up (placeholder until built). */
import { Layout } from "../components/layout.tsx";

export function SignupPage() {
  return (
    <Layout title="Sign up">
      <h1>Sign up</h1>
    </Layout>
  );
}
