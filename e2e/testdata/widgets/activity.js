// A user's activity from the message archive: how many messages name them and the latest.
export default {
  title: "Activity",
  params: { username: { type: "username", required: true } },
  hints: { usernames: (config) => [config.username] },
  async data(ctx, config) {
    const r = await ctx.messages.grep({ usernames: [config.username], rows: 1, order: "desc" });
    return { user: config.username, total: r.total, latest: r.raw_messages[0]?.msg_id ?? null };
  },
  template(data, h) {
    return h.html`<p>${data.user}: ${data.total} messages</p>`;
  },
  shouldInvalidate(message, widget) {
    if (message.topic.includes(".hubs.")) return message.msg.widget?.id === widget.id;
    return true; // the hint index only asks about messages that name this user
  },
};
