// The user's feed: the last few messages, newest first, by service.
export default {
  title: "Feed",
  params: { username: { type: "username", required: true }, rows: { type: "integer", default: 5, min: 1, max: 20 } },
  hints: { usernames: (config) => [config.username] },
  async data(ctx, config) {
    const r = await ctx.messages.grep({ usernames: [config.username], rows: config.rows, order: "desc" });
    return { items: r.raw_messages.map((m) => ({ service: m.topic.split(".")[3], id: m.msg_id })) };
  },
  template(data, h) {
    return h.html`<ol>${data.items.map((i) => h.html`<li>${i.service}</li>`)}</ol>`;
  },
  shouldInvalidate(message, widget) {
    // The hint index only asks about messages that name this user; the engine's own
    // hubs.* messages are the exception: only this widget's config change matters.
    if (message.topic.includes(".hubs.")) return message.msg.widget?.id === widget.id;
    return true;
  },
};
