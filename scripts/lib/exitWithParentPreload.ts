/**
 * `node --require <dist>/scripts/lib/exitWithParentPreload.js <script> …`: arms
 * {@link exitWithParent} before the script runs, so a child of the local stack (Azurite, MailDev,
 * the host) ends when the process that started it dies. See ./exitWithParent.ts.
 */
import { exitWithParent } from "./exitWithParent";

exitWithParent();
