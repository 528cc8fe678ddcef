/* The desk's first page: the key panel and the three kinds of work. */

import { startDesk } from "./shell.js";

startDesk({ page: "home" });
document.body.dataset.ready = "true";
