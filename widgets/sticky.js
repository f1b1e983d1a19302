// Sticky note: a text in (a safe subset of) Markdown, pinned on the hub by its owners.
import { withDefaults } from "./lib/config.js";
import { isWidgetUpdate } from "./lib/topics.js";

const params = {
  text: { type: "text", default: "Lorem ipsum dolor...", help: "The note, in Markdown. HTML is shown as text." },
};

export default {
  title: "Sticky Note",
  description: "A note in Markdown (paragraphs, lists, emphasis, code, links).",
  params,
  hints: { topics: ["hubs.widget.update"] },
  data(ctx, config) {
    return { text: String(withDefaults(params, config).text) };
  },
  template(data, h) {
    // h.markdown escapes everything it does not turn into markup itself.
    return h.html`<div class="sticky">${h.markdown(data.text)}</div>`;
  },
  shouldInvalidate(message, widget) {
    return isWidgetUpdate(message, widget);
  },
};
