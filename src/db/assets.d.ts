// Files imported `with { type: "file" }` (their path: on disk from source, in the executable's
// embedded filesystem when compiled) or `with { type: "text" }` (their contents).
declare module "@electric-sql/pglite/pglite.wasm" {
  const path: string;
  export default path;
}
declare module "@electric-sql/pglite/initdb.wasm" {
  const path: string;
  export default path;
}
declare module "@electric-sql/pglite/pglite.data" {
  const path: string;
  export default path;
}
declare module "*.sql" {
  const text: string;
  export default text;
}
