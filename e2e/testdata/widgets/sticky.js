// A sticky note: its data is its config, so saving the config is what changes it.
export default {
  title: "Sticky note",
  params: {
    text: { type: "text", label: "Text", default: "", help: "Markdown: paragraphs, lists, **bold**, *italic*, `code`, [links](https://...)." },
  },
  hints: { topics: ["hubs.widget.update"] },
  data(ctx, config) {
    return { text: config.text };
  },
  template(data, h) {
    return h.html`<div class="sticky">${h.markdown(data.text)}</div>`;
  },
  shouldInvalidate(message, widget) {
    return message.topic.endsWith(".hubs.widget.update") && message.msg.widget && message.msg.widget.id === widget.id;
  },
};
