/**
 * The inline rename form (Resources' items, the calendar's meetings): focused with its text selected
 * when it opens, Enter saves, Escape cancels; the error is announced and tied to the field.
 */
import { useEffect, useRef } from "preact/hooks";

export function RenameForm({
  id,
  label = "New title",
  class: className = "rename-form",
  value,
  error,
  busy,
  onValue,
  onSubmit,
  onCancel,
}: {
  id: string;
  label?: string;
  class?: string;
  value: string;
  error: string | null;
  busy: boolean;
  onValue(value: string): void;
  onSubmit(event: Event): void;
  onCancel(): void;
}) {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, []);
  return (
    <form class={className} onSubmit={onSubmit}>
      <label for={`rename-${id}`}>{label}</label>
      <div class="row">
        <input
          ref={input}
          id={`rename-${id}`}
          value={value}
          maxLength={200}
          aria-invalid={error ? "true" : undefined}
          aria-describedby={error ? `rename-${id}-error` : `rename-${id}-hint`}
          onInput={(e) => onValue(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape") {
              e.preventDefault();
              // Escape inside a dialog would also close the dialog: this form is what it cancels.
              e.stopPropagation();
              onCancel();
            }
          }}
        />
        <button type="submit" class="primary" disabled={busy}>
          Save
        </button>
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
      {error ? (
        <p id={`rename-${id}-error`} class="field-error" role="alert">
          {error}
        </p>
      ) : (
        <p id={`rename-${id}-hint`} class="hint">
          Enter saves, Escape cancels.
        </p>
      )}
    </form>
  );
}
