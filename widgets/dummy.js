// Dummy: shows a text as it is. The original's placeholder panel, kept for layouts that
// name it and as the smallest example of a widget.
import { withDefaults } from "./lib/config.js";
import { isWidgetUpdate } from "./lib/topics.js";

const params = {
  text: { type: "text", default: "Lorem ipsum dolor...", help: "Some dummy text to display." },
};

export default {
  title: "This is a dummy widget",
  description: "Shows some text, as plain text.",
  params,
  hints: { topics: ["hubs.widget.update"] },
  data(ctx, config) {
    return { text: String(withDefaults(params, config).text) };
  },
  template(data, h) {
    return h.html`<p class="dummy">${data.text}</p>`;
  },
  shouldInvalidate(message, widget) {
    return isWidgetUpdate(message, widget);
  },
};
