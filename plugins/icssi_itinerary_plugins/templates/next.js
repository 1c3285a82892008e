/* What comes next, from the page's own <time datetime> values: no network, no library. */
(function () {
  "use strict";
  var block = document.getElementById("next");
  if (!block) return;
  var now = Date.now();
  function instant(time) {
    var value = time && time.getAttribute("datetime");
    return value && value.indexOf("T") > 0 ? Date.parse(value) : NaN;
  }
  function show(part, nodes) {
    var slot = block.querySelector("." + part + " .value");
    if (!slot) return;
    nodes.forEach(function (node) { slot.appendChild(node); });
    block.querySelector("." + part).hidden = false;
  }
  function summary(item) {
    var link = document.createElement("a");
    link.href = "#" + item.id;
    link.appendChild(item.querySelector(".what .title").cloneNode(true));
    var when = document.createElement("span");
    when.className = "at";
    var day = item.closest("section.day").querySelector("h2 time");
    when.appendChild(day.cloneNode(true));
    when.appendChild(document.createTextNode(" "));
    when.appendChild(item.querySelector(".when .clock").cloneNode(true));
    return [link, when];
  }
  function today(zone) {  // the date now where *zone* is: "2014-11-03"
    var parts = {};
    new Intl.DateTimeFormat("en", {timeZone: zone, year: "numeric", month: "2-digit",
      day: "2-digit"}).formatToParts(now).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day;
  }
  var current = null, upcoming = null, timed = 0, allDay = null;
  document.querySelectorAll("tr.item").forEach(function (item) {
    var times = item.querySelectorAll(".when:not(.elsewhere) time");
    var first = times[0].getAttribute("datetime"), last = times[times.length - 1].getAttribute("datetime");
    var start = instant(times[0]), end = instant(times[times.length - 1]);
    if (isNaN(start)) {  // an event known to the day: on today, where it is
      var day = item.classList.contains("event") && today(item.getAttribute("data-zone"));
      if (day && first <= day && day <= last) allDay = item;
      return;
    }
    timed += 1;
    if (start <= now && now < end) current = item;  // the latest begun: a session, not its day
    if (start > now && (!upcoming || start < upcoming.start)) upcoming = {item: item, start: start};
  });
  if (!timed) return;
  current = current || allDay;
  if (current) show("now", summary(current));
  if (upcoming) show("soon", summary(upcoming.item));
  if (!current && !upcoming) block.querySelector(".over").hidden = false;
  document.querySelectorAll("li.hotel").forEach(function (hotel) {
    var tonight = today(hotel.getAttribute("data-zone"));
    var nights = hotel.querySelectorAll(".nights time");
    if (nights[0].getAttribute("datetime") <= tonight && tonight < nights[1].getAttribute("datetime")) {
      var card = hotel.cloneNode(true);
      card.removeAttribute("id");
      show("tonight", [card]);
    }
  });
  block.hidden = false;
})();
