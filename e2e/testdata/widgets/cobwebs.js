// The latest wiki edit on the bus: what changed last, by whom. Its text comes from bus
// messages, so it is where a hostile message field would show up.
export default {
  title: "Latest wiki edit",
  params: {
    user: { type: "username", label: "Only edits by", help: "A FAS username; empty: everybody's edits." },
  },
  hints: { topics: ["wiki.article.edit"] },
  async data(ctx, config) {
    const query = { topics: ["org.fedoraproject.prod.wiki.article.edit"], rows: 1, order: "desc" };
    if (config.user) query.usernames = [config.user];
    const page = await ctx.messages.grep(query);
    const m = page.raw_messages[0];
    return { total: page.total, last: m ? { user: m.msg.user, title: m.msg.title, url: m.msg.url || null } : null };
  },
  template(data, h) {
    if (!data.last) return h.html`<p class="cobwebs">No wiki edits yet.</p>`;
    return h.html`<p class="cobwebs"><span class="who">${data.last.user}</span> edited
      ${data.last.url ? h.html`<a href="${data.last.url}">${data.last.title}</a>` : data.last.title}
      (${h.commas(data.total)} edits)</p>`;
  },
  shouldInvalidate(message, widget) {
    return message.topic.endsWith(".wiki.article.edit") && (!widget.config.user || message.msg.user === widget.config.user);
  },
};
