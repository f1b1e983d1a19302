// Upcoming meetings of a fedocal calendar: the archive's last fedocal messages for it.
export default {
  title: "Meetings",
  params: {
    calendar: { type: "string", label: "Calendar", required: true, help: "The fedocal calendar name." },
    limit: { type: "integer", label: "How many", default: 3, min: 1, max: 20 },
  },
  hints: { categories: ["fedocal"] },
  async data(ctx, config) {
    const page = await ctx.messages.grep({ categories: ["fedocal"], contains: [config.calendar], rows: config.limit, order: "desc" });
    return {
      calendar: config.calendar,
      meetings: page.raw_messages.map((m) => ({ name: (m.msg.meeting && m.msg.meeting.meeting_name) || m.topic, when: m.timestamp })),
    };
  },
  template(data, h) {
    if (data.meetings.length === 0) return h.html`<p>No meetings announced on the <b>${data.calendar}</b> calendar.</p>`;
    return h.html`<ul>${data.meetings.map((m) => h.html`<li>${m.name}</li>`)}</ul>`;
  },
  shouldInvalidate(message, widget) {
    return message.topic.includes(".fedocal.") && JSON.stringify(message.msg).includes(widget.config.calendar);
  },
};
