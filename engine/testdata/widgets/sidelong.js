// Like upstream.js, but it reaches ctx's HTTP function by a computed name, so nothing in
// its bundle says it fetches: the runtime learns it on its first data() call.
const call = ["fe", "tch"].join("");

export default {
  title: "Sidelong",
  params: { username: { type: "username", required: true } },
  hints: { usernames: (config) => [config.username] },
  async data(ctx, config) {
    const res = await ctx[call](ctx.settings.upstream + "/" + config.username);
    return { user: config.username, answer: await res.text() };
  },
  template(data, h) {
    return h.html`<p>${data.answer}</p>`;
  },
  shouldInvalidate(message, widget) {
    return message.msg.user === widget.config.username;
  },
};
