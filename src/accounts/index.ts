export { createAccounts, shownName, type Accounts, type UserView, type SignupInput, type ProfileChanges, type RequestInfo } from "./accounts.ts";
