// The user's latest bus messages.
export default {
  title: "Activity",
  params: { username: { type: "username", required: true } },
  hints: { usernames: (config) => [config.username] },
  async data(ctx, config) {
    const r = await ctx.messages.grep({ usernames: [config.username], rows: 10 });
    return {
      total: r.total,
      items: r.raw_messages.map((m) => ({ topic: m.topic, id: m.msg_id, when: m.timestamp })),
    };
  },
  template(data, h) {
    return h.html`<ul>${data.items.map((i) => h.html`<li>${i.topic}</li>`)}</ul>`;
  },
  shouldInvalidate(message, widget) {
    // The hint index only asks about messages that name this user; the engine's own
    // hubs.* messages are the exception: only this widget's config change matters.
    if (message.topic.includes(".hubs.")) return message.msg.widget?.id === widget.id;
    return true;
  },
};
