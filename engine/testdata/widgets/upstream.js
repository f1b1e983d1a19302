// Asks an upstream service (the site setting "upstream") about a person: a widget that
// fetches, rebuilt on the engine's fetch workers.
export default {
  title: "Upstream",
  params: { username: { type: "username", required: true } },
  hints: { usernames: (config) => [config.username] },
  async data(ctx, config) {
    const res = await ctx.fetch(ctx.settings.upstream + "/" + config.username);
    return { user: config.username, answer: await res.text() };
  },
  template(data, h) {
    return h.html`<p>${data.answer}</p>`;
  },
  shouldInvalidate(message, widget) {
    return message.msg.user === widget.config.username;
  },
};
