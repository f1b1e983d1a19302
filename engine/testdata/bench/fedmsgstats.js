// How many messages the user caused.
export default {
  title: "Stats",
  params: { username: { type: "username", required: true } },
  hints: { usernames: (config) => [config.username] },
  async data(ctx, config) {
    return { messages: await ctx.messages.count({ usernames: [config.username] }) };
  },
  template(data, h) {
    return h.html`<p>${data.messages} messages</p>`;
  },
  shouldInvalidate(message, widget) {
    // The hint index only asks about messages that name this user; the engine's own
    // hubs.* messages are the exception: only this widget's config change matters.
    if (message.topic.includes(".hubs.")) return message.msg.widget?.id === widget.id;
    return true;
  },
};
