// The user's Bodhi updates on their way to stable.
export default {
  title: "Updates to stable",
  params: { username: { type: "username", required: true } },
  hints: { usernames: (config) => [config.username] },
  async data(ctx, config) {
    const r = await ctx.messages.grep({ usernames: [config.username], categories: ["bodhi"], rows: 10 });
    return { updates: r.raw_messages.map((m) => m.msg.update?.title ?? m.msg_id) };
  },
  template(data, h) {
    return h.html`<ul>${data.updates.map((u) => h.html`<li>${u}</li>`)}</ul>`;
  },
  shouldInvalidate(message, widget) {
    if (message.topic.includes(".hubs.")) return message.msg.widget?.id === widget.id;
    return message.topic.includes(".bodhi.");
  },
};
