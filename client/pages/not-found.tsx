import { Layout } from "../components/layout.tsx";
import { onLinkClick } from "../lib/router.ts";

export function NotFoundPage() {
  return (
    <Layout title="Page not found">
      <div class="narrow">
        <h1>Page not found</h1>
        <p>
          There is nothing at this address. <a href="/" onClick={onLinkClick}>Go to the start page</a>.
        </p>
      </div>
    </Layout>
  );
}
