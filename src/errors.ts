/**
 * The one application error. Services throw it; the HTTP layer and the sockets map it to a status
 * or close code in one place each. The code list is closed.
 */
export const ERROR_STATUS = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INVALID_ARGUMENT: 422,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface AppErrorOptions {
  status?: number;
  fields?: Record<string, string>;
  cause?: unknown;
  /** Extra headers for HTTP replies (e.g. Retry-After). */
  headers?: Record<string, string>;
}

export class AppError extends Error {
  readonly status: number;
  readonly fields?: Record<string, string>;
  readonly headers?: Record<string, string>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.status = options.status ?? ERROR_STATUS[code];
    this.fields = options.fields;
    this.headers = options.headers;
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, ...(this.fields ? { fields: this.fields } : {}) } };
  }
}

export const notFound = (what: string) => new AppError("NOT_FOUND", `${what} not found`);
export const invalid = (message: string, fields?: Record<string, string>) =>
  new AppError("INVALID_ARGUMENT", message, { fields });
export const conflict = (message: string, fields?: Record<string, string>) => new AppError("CONFLICT", message, { fields });
export const forbidden = (message = "You may not do that") => new AppError("FORBIDDEN", message);
export const unauthenticated = (message = "Sign in first") => new AppError("UNAUTHENTICATED", message);
