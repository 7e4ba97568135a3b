/**
 * Form pieces: a labelled field whose error is shown under it and announced (aria-invalid +
 * aria-describedby), and a form-level error. `fieldErrors()` turns an ApiError's `fields` into
 * what the fields show.
 */
import type { Signal } from "@preact/signals";
import { ApiError } from "../lib/api.ts";

type FieldProps = {
  type?: "text" | "email" | "password" | "date" | "time" | "datetime-local" | "search" | "url";
  autocomplete?: string;
  required?: boolean;
  minLength?: number;
  maxLength?: number;
  placeholder?: string;
  autoFocus?: boolean;
  disabled?: boolean;
  name: string;
  label: string;
  value: string;
  error?: string | null;
  hint?: string;
  onValue(value: string): void;
  /** Defaults to `field-<name>`. */
  id?: string;
};

export function Field({ name, label, value, error, hint, onValue, id = `field-${name}`, type = "text", ...rest }: FieldProps) {
  const described = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(" ") || undefined;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        name={name}
        type={type as "text"}
        value={value}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={described}
        onInput={(e) => onValue(e.currentTarget.value)}
        {...rest}
      />
      {hint && (
        <p id={`${id}-hint`} class="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** An `onValue` that keeps what was typed and clears that field's error, which no longer applies. */
export function editField<K extends string>(errors: Signal<Partial<Record<K, string | undefined>>>, name: K, target: { value: string }, then?: () => void) {
  return (value: string) => {
    target.value = value;
    then?.();
    if (errors.value[name]) errors.value = { ...errors.value, [name]: undefined };
  };
}

/** A message for the whole form (not tied to one field). */
export function FormError({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p class="form-error" role="alert">
      {message}
    </p>
  );
}

/** Splits an error into per-field messages and one message for the form. */
export function describeError(err: unknown): { fields: Record<string, string>; message: string | null } {
  if (err instanceof ApiError) {
    const fields = err.fields ?? {};
    return { fields, message: Object.keys(fields).length ? null : err.message };
  }
  return { fields: {}, message: (err as Error)?.message ?? "Something went wrong" };
}
