// Read iCalendar feeds with ical.js, using only each feed's own VTIMEZONEs.
// Input: one JSON string (an .ics file's text) per line on stdin.
// Output: one JSON line per feed: {"UID": [start, end]}, a timed value as Unix seconds,
// a date as "YYYY-MM-DD"; or {"error": "..."} when ical.js fails or a TZID is unknown.
import readline from "node:readline";
import ICAL from "ical.js";

function value(time, tzid) {
  if (time.isDate) {
    return time.toString();
  }
  if (tzid && (!time.zone || time.zone.tzid !== tzid)) {
    throw new Error(`TZID ${tzid} not resolved from the feed (got ${time.zone && time.zone.tzid})`);
  }
  return time.toUnixTime();
}

function read(text) {
  ICAL.TimezoneService.reset();
  const calendar = new ICAL.Component(ICAL.parse(text));
  for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(vtimezone);
  }
  const times = {};
  for (const component of calendar.getAllSubcomponents("vevent")) {
    const event = new ICAL.Event(component);
    const start = component.getFirstProperty("dtstart");
    const end = component.getFirstProperty("dtend");
    times[event.uid] = [
      value(event.startDate, start.getParameter("tzid")),
      value(event.endDate, end.getParameter("tzid")),
    ];
  }
  return times;
}

const lines = readline.createInterface({ input: process.stdin });
for await (const line of lines) {
  let answer;
  try {
    answer = read(JSON.parse(line));
  } catch (error) {
    answer = { error: String(error && error.stack ? error.stack : error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
