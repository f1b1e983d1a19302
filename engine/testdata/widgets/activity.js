// A user's latest archived message: data reads the archive, so a rebuild shows the
// message that caused it. A message whose msg has "boom" makes data() throw (the stale
// fallback tests).
export default {
  title: "Activity",
  params: { username: { type: "username", required: true } },
  hints: { usernames: (config) => [config.username] },
  async data(ctx, config) {
    const r = await ctx.messages.grep({ usernames: [config.username], rows: 1, order: "desc" });
    const last = r.raw_messages[0];
    if (last && last.msg.boom) throw new Error("boom in " + last.msg_id);
    return { user: config.username, hub: ctx.hub.name, total: r.total, last: last ? last.msg_id : null };
  },
  template(data, h) {
    return h.html`<p>${data.user}: ${data.total} messages</p>`;
  },
  shouldInvalidate(message, widget) {
    return message.msg.user === widget.config.username;
  },
};
