// Fedocal, the Fedora calendar: calendars, meetings and meeting reminders.

import { avatar } from "./util.js";

const UNITS = [["year", 365 * 86400], ["month", 30 * 86400], ["day", 86400], ["hour", 3600], ["minute", 60]];

// startsIn says when a meeting starts, casually ("in 2 hours", "right now"),
// seen from when the reminder was sent (the envelope's timestamp), so the
// same message always reads the same.
function startsIn(meeting, sentAt) {
  if (typeof sentAt !== "number") return "soon";
  const start = Date.parse(meeting.meeting_date + "T" + meeting.meeting_time_start + "Z");
  if (isNaN(start)) return "soon";
  const secs = Math.trunc((start - sentAt * 1000) / 1000);
  for (let i = 0; i < UNITS.length; i++) {
    const v = Math.trunc(secs / UNITS[i][1]);
    if (v) return "in " + v + " " + UNITS[i][0] + (v === 1 ? "" : "s");
  }
  return "right now";
}

function names(m) {
  return {
    user: m.agent,
    calendar: m.calendar ? m.calendar.calendar_name : undefined,
    meeting: m.meeting ? m.meeting.meeting_name : undefined,
  };
}

export default {
  names: ["fedocal"],
  icon: "https://apps.fedoraproject.org/calendar/static/calendar.png",
  subtitle(c) {
    const m = c.msg;
    const { user, calendar, meeting } = names(m);
    switch (c.rest) {
      case "meeting.reminder":
        return 'Friendly reminder!  The "' + meeting + '" meeting from the "' + calendar + '" calendar starts ' +
          startsIn(m.meeting, c.env.timestamp);
      case "meeting.update": return user + ' updated the "' + meeting + '" meeting from the "' + calendar + '" calendar';
      case "meeting.delete": return user + ' deleted the "' + meeting + '" meeting from the "' + calendar + '" calendar';
      case "meeting.new": return user + ' created a "' + meeting + '" meeting in the "' + calendar + '" calendar';
      case "calendar.new": return user + ' created a whole new "' + calendar + '" calendar';
      case "calendar.update": return user + ' updated the "' + calendar + '" calendar';
      case "calendar.delete": return user + ' deleted the "' + calendar + '" calendar';
      case "calendar.clear": return user + ' cleared the "' + calendar + '" calendar of all its meetings';
      case "calendar.upload": return user + ' uploaded an iCalendar file into the calendar "' + calendar + '"';
    }
    return "";
  },
  link(c) {
    const m = c.msg;
    const base = "https://apps.fedoraproject.org/calendar/";
    if (m.meeting && m.meeting.meeting_id !== undefined) return base + "meeting/" + m.meeting.meeting_id + "/";
    return base + m.calendar.calendar_name + "/";
  },
  secondary_icon(c) {
    return c.msg.agent ? avatar(c.msg.agent) : null;
  },
  usernames(c) {
    return [c.msg.agent];
  },
  objects(c) {
    const { calendar, meeting } = names(c.msg);
    const action = c.last;
    return [(meeting ? [calendar, "meetings", meeting, action] : [calendar, action]).join("/")];
  },
};
