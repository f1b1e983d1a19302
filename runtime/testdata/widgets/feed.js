// The benchmark widget: a 10-item list and a realistic shouldInvalidate.
export default {
  title: "Feed",
  params: { username: { type: "username", required: true } },
  hints: { topics: ["bodhi.update.comment"], usernames: (config) => [config.username] },
  data(ctx, config) {
    const items = [];
    for (let i = 0; i < 10; i++) {
      items.push({ title: "Update " + i + " <b>", user: config.username, link: "https://bodhi.fedoraproject.org/updates/" + i, when: 1559062463 + i });
    }
    return { items };
  },
  template(data, h) {
    return h.html`<ul class="feed">${data.items.map((it) => h.html`<li><a href="${it.link}">${it.title}</a> by ${it.user}</li>`)}</ul>`;
  },
  shouldInvalidate(message, widget) {
    const c = message.msg.comment;
    if (!message.topic.endsWith(".bodhi.update.comment") || !c) return false;
    return c.user?.name === widget.config.username || c.update?.user?.name === widget.config.username;
  },
};
