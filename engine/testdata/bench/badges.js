// The user's badge awards.
export default {
  title: "Badges",
  params: { username: { type: "username", required: true } },
  hints: { usernames: (config) => [config.username] },
  async data(ctx, config) {
    const r = await ctx.messages.grep({ usernames: [config.username], categories: ["fedbadges"], rows: 20 });
    return { badges: r.raw_messages.map((m) => m.msg.badge?.name ?? "?") };
  },
  template(data, h) {
    return h.html`<ul>${data.badges.map((b) => h.html`<li>${b}</li>`)}</ul>`;
  },
  shouldInvalidate(message, widget) {
    // The hint index only asks about messages that name this user; the engine's own
    // hubs.* messages are the exception: only this widget's config change matters.
    if (message.topic.includes(".hubs.")) return message.msg.widget?.id === widget.id;
    return true;
  },
};
