// About: a few words about the hub. Without text of its own it shows the hub's summary, so
// a team hub's about panel says something from the start.
import { withDefaults } from "./lib/config.js";
import { isHubUpdate, isWidgetUpdate } from "./lib/topics.js";

const params = {
  text: { type: "text", default: "", help: "Text about the hub or the person. Empty: the hub's summary." },
};

export default {
  title: "About",
  description: "A few words about the hub; the hub's summary when left empty.",
  params,
  hints: { topics: ["hubs.widget.update", "hubs.hub.update"] },
  data(ctx, config) {
    config = withDefaults(params, config);
    const own = String(config.text).trim() !== "";
    return { text: own ? config.text : ctx.hub.summary, own };
  },
  template(data, h) {
    if (!data.text) return h.html`<p class="empty">Nothing written here yet.</p>`;
    // Blank lines separate paragraphs; everything else is plain text.
    const paras = String(data.text).split(/\n\s*\n/).filter((p) => p.trim() !== "");
    return h.html`<div class="about">${paras.map((p) => h.html`<p>${p.trim()}</p>`)}</div>`;
  },
  shouldInvalidate(message, widget) {
    // The summary shown by default lives on the hub, so a hub change matters too.
    return isWidgetUpdate(message, widget) || isHubUpdate(message, widget);
  },
};
