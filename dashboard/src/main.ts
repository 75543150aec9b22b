/** Entry point of the partner dashboard (bundled by Vite into `app.js`). */
import { startDashboard } from "./app";

void startDashboard();
