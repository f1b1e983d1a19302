import { fail } from "../lib/names.js";

export default {
  title: "Pending",
  params: { mode: { type: "choice", choices: ["a", "b"], default: "a" } },
  hints: { categories: ["pkgdb"] },
  data(ctx, config) {
    if (config.mode === "b") fail("mode b is broken");
    return { mode: config.mode };
  },
  template(data, h) {
    return h.html`<p>${data.mode}</p>`;
  },
};
