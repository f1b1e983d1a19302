// The service processors meta.js dispatches to, by topic category.
import ci from "./ci.js";
import { compose, pungi } from "./compose.js";
import bodhi from "./bodhi.js";
import pagure from "./pagure.js";

export const processors = [pagure, bodhi, ci, compose, pungi];
