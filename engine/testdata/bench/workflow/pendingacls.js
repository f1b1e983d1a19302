// ACL requests waiting for the user.
export default {
  title: "Pending ACLs",
  params: { username: { type: "username", required: true } },
  hints: { usernames: (config) => [config.username] },
  async data(ctx, config) {
    const r = await ctx.messages.grep({ usernames: [config.username], categories: ["pkgdb"], rows: 10 });
    return { pending: r.raw_messages.filter((m) => m.topic.endsWith(".acl.update")).map((m) => m.msg_id) };
  },
  template(data, h) {
    return h.html`<p>${data.pending.length} pending</p>`;
  },
  shouldInvalidate(message, widget) {
    if (message.topic.includes(".hubs.")) return message.msg.widget?.id === widget.id;
    return message.topic.includes(".pkgdb.");
  },
};
