import { shout } from "./lib/text.js";

// A sticky note: its data is its config, so a config saved is new data.
export default {
  title: "Note",
  params: { text: { type: "text", default: "" } },
  hints: { topics: ["hubs.widget.update"] },
  data(ctx, config) {
    return { text: shout(config.text), hub: ctx.hub.name };
  },
  template(data, h) {
    return h.html`<p>${data.text}</p>`;
  },
  shouldInvalidate(message, widget) {
    return message.topic.endsWith(".hubs.widget.update") && message.msg.widget.id === widget.id;
  },
};
