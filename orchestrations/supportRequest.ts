/**
 * The support-request orchestration lives in orchestrations/supportRequest/ (index.ts and one
 * module per phase); this file keeps the import path `orchestrations/supportRequest` stable for
 * functions/orchestrations.ts and the tests.
 */
export * from "./supportRequest/index";
