export { createAccounts, type Accounts, type UserView, type SignupInput, type ProfileChanges } from "./accounts.ts";
