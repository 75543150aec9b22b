/**
 * App lifecycle hooks (@azure/functions v4 `app.hook`): when the worker is told to terminate (a
 * Flex Consumption instance scaled in or recycled, the local host stopping), the SMTP pool's
 * connections are closed at once rather than held until the pool's idle close or the server's timeout
 * (shared/container.ts `closeContainer`). Azure runs `appTerminate` hooks on a graceful shutdown
 * only; a killed worker's sockets are closed by the operating system.
 */
import { app } from "@azure/functions";
import { closeContainer } from "../shared/container";

app.hook.appTerminate(() => closeContainer());
