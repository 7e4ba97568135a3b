/** "Could not load …" with a retry button, announced when it appears. */
export function LoadError({ what, error, onRetry }: { what: string; error: string | null; onRetry(): void }) {
  if (!error) return null;
  return (
    <p role="alert" class="error">
      Could not load {what}: {error}{" "}
      <button type="button" class="link-button" onClick={onRetry}>
        Try again
      </button>
    </p>
  );
}
