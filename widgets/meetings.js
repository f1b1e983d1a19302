// Meetings: the next meeting of each series of a calendar in Fedora's calendar service
// (fedocal, site setting fedocal_url): its name, date, time in UTC, place and "in 3 days".
import { style } from "./lib/style.js";
import { required } from "./lib/config.js";
import { isWidgetUpdate, shortTopic } from "./lib/topics.js";
import { baseURL, getJSON, query } from "./lib/upstream.js";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

// startOf reads a fedocal meeting's start ("2026-11-30" and "17:00:00", in UTC) as epoch
// seconds, or NaN.
function startOf(m) {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(m.meeting_date));
  const t = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(String(m.meeting_time_start));
  if (!d || !t) return NaN;
  return Date.UTC(+d[1], +d[2] - 1, +d[3], +t[1], +t[2], +(t[3] || 0)) / 1000;
}

// place turns "fedora-meeting@irc.freenode.net" into "#fedora-meeting", as the original did.
function place(location) {
  const l = String(location ?? "");
  return l.includes("@") ? "#" + l.split("@")[0] : l;
}

export default {
  title: "Meetings",
  description: "The next meeting of each series of a fedocal calendar.",
  params: {
    calendar: { type: "string", required: true, help: "A fedocal calendar name." },
  },
  // AND-ed, so categories only: fedocal's messages and the engine's own (category "hubs").
  hints: { categories: ["fedocal", "hubs"] },
  async data(ctx, config) {
    required(config, "calendar");
    const base = baseURL(ctx, "fedocal_url");
    const now = ctx.now();
    const today = now.toISOString().slice(0, 10);
    const r = await getJSON(ctx, base + "/api/meetings/" + query({ calendar: config.calendar, start: today }), "The calendar service");
    if (!Array.isArray(r.body.meetings)) throw new Error("The calendar service answered without a meetings list");
    const nowSec = now.getTime() / 1000;
    const next = new Map(); // series name -> its next meeting
    for (const m of r.body.meetings) {
      const when = startOf(m);
      if (!(when > nowSec)) continue;
      const name = String(m.meeting_name ?? "");
      const seen = next.get(name);
      if (!seen || when < seen.when) {
        const day = new Date(when * 1000);
        next.set(name, {
          name,
          when,
          date: MONTHS[day.getUTCMonth()] + " " + String(day.getUTCDate()).padStart(2, "0"),
          time: String(m.meeting_time_start).slice(0, 5) + " UTC",
          location: place(m.meeting_location),
          link: m.meeting_id != null ? base + "/meeting/" + encodeURIComponent(String(m.meeting_id)) + "/" : "",
        });
      }
    }
    const meetings = [...next.values()].sort((a, b) => a.when - b.when);
    return { calendar: config.calendar, link: base + "/" + encodeURIComponent(config.calendar) + "/", meetings };
  },
  template(data, h) {
    if (data.meetings.length === 0) {
      return h.html`<p class="empty">No meeting planned in the <a href="${data.link}">${data.calendar}</a> calendar.</p>`;
    }
    return h.html`${style(h, "list", "meetings")}<ul class="meetings">${data.meetings.map((m) => h.html`
  <li class="meeting">
    <p>The ${m.link ? h.html`<a href="${m.link}">${m.name}</a>` : m.name} is ${h.humanize(m.when)}</p>
    <p><strong class="meeting-date">${m.date}</strong> @${m.time}${m.location ? h.html`<br>${m.location}` : ""}</p>
  </li>`)}
</ul>`;
  },
  shouldInvalidate(message, widget) {
    if (isWidgetUpdate(message, widget)) return true;
    const topic = shortTopic(message);
    if (!topic.startsWith("fedocal.meeting.") && !topic.startsWith("fedocal.calendar.")) return false;
    const msg = message.msg ?? {};
    const name = msg.calendar?.calendar_name ?? msg.meeting?.calendar_name;
    return name === widget.config.calendar;
  },
};
