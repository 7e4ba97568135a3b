export { createAccounts, type Accounts, type UserView, type SignupInput, type ProfileChanges, type RequestInfo } from "./accounts.ts";
