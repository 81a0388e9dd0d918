/* socialbot embed: <div data-socialbot-feed data-limit="10" data-group="…"></div> + this script, and
   <div data-socialbot-events data-group="…"></div> for the events.
   Post and event data only ever reach the page through textContent and checked http(s) attributes. */
(function () {
  "use strict";
  var me = document.currentScript;
  var base = me && me.src ? me.src.replace(/\/embed\.js(\?.*)?$/, "") : "";
  var okUrl = /^https?:\/\//i;
  var count = 0;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }
  function link(href, text, cls) {
    var a = el("a", cls, text);
    if (okUrl.test(href || "")) a.href = href;
    a.rel = "noopener nofollow";
    return a;
  }
  function fill(parent, segs) {
    (segs || []).forEach(function (s) {
      parent.appendChild(s.h && okUrl.test(s.h) ? link(s.h, s.v) : document.createTextNode(s.v));
    });
    return parent;
  }
  function ago(date) {
    var secs = (date - Date.now()) / 1000, units = [["year", 31536e3], ["month", 2592e3], ["week", 604800],
      ["day", 86400], ["hour", 3600], ["minute", 60]];
    var fmt = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat("en-GB", {numeric: "auto"}) : null;
    for (var i = 0; i < units.length; i++) {
      if (Math.abs(secs) >= units[i][1] && fmt) return fmt.format(Math.round(secs / units[i][1]), units[i][0]);
    }
    return "just now";
  }
  // "See more" / "See less": shows target when open (hiding `instead`, if given), aria-expanded in step.
  function foldButton(target, instead) {
    var btn = el("button", "sb-btn", "See more");
    btn.type = "button";
    btn.setAttribute("aria-expanded", "false");
    btn.setAttribute("aria-controls", target.id);
    btn.addEventListener("click", function () {
      var open = btn.getAttribute("aria-expanded") !== "true";
      btn.setAttribute("aria-expanded", String(open));
      btn.textContent = open ? "See less" : "See more";
      target.hidden = !open;
      if (instead) instead.hidden = open;
    });
    return btn;
  }
  function post(item) {
    var x = item._socialbot || {}, id = "sb" + (++count);
    var art = el("article", "sb-post" + (x.pinned ? " sb-pinned" : ""));
    art.setAttribute("aria-labelledby", id + "h");
    var head = art.appendChild(el("header", "sb-head"));
    head.appendChild(el("span", "sb-avatar", x.initials || "?")).setAttribute("aria-hidden", "true");
    var who = head.appendChild(el("div", "sb-who"));
    who.appendChild(el("h3", "sb-group", x.group_name || "")).id = id + "h";
    var when = new Date(item.date_published), time = who.appendChild(el("time", "sb-time", ago(when)));
    time.dateTime = item.date_published;
    time.title = when.toLocaleString("en-GB", {dateStyle: "full", timeStyle: "short", timeZone: "Europe/London"});
    if (x.pinned) head.appendChild(el("span", "sb-badge", "Pinned"));
    // A content warning folds the whole post (text and images) behind it, as Mastodon does.
    var body = art;
    if (x.content_warning) {
      var cw = art.appendChild(el("p", "sb-warning", "Content warning: " + x.content_warning + " "));
      body = el("div", "sb-cw-body");
      body.id = id + "w";
      body.hidden = true;
      cw.appendChild(foldButton(body, null));
      art.appendChild(body);
    }
    var text = body.appendChild(el("div", "sb-text"));
    if (x.long && !x.content_warning) {
      var short = fill(el("span"), x.excerpt), full = fill(el("span"), x.segments);
      full.id = id + "f";
      full.hidden = true;
      var btn = foldButton(full, short);
      text.appendChild(short);
      text.appendChild(full);
      text.appendChild(document.createTextNode(" "));
      text.appendChild(btn);
    } else {
      fill(text, x.segments);
    }
    (x.media || []).forEach(function (m) {
      if (!okUrl.test(m.url)) return;
      var img = body.appendChild(el("img", "sb-img"));
      img.loading = "lazy";
      img.decoding = "async";
      img.alt = m.alt || "";
      img.width = m.width;
      img.height = m.height;
      img.src = m.url;
    });
    var names = (x.shared_by || []).map(function (s) { return s.name; });
    if (names.length > 1) {
      art.appendChild(el("p", "sb-shared", "Shared by " + names.slice(0, -1).join(", ") + " and " + names[names.length - 1]));
    }
    if (okUrl.test(item.url || "")) {
      var view = art.appendChild(link(item.url, "View on " + (x.platform || "the original"), "sb-view"));
      view.appendChild(el("span", "sb-sr", " (post by " + (x.group_name || "") + ")"));
    }
    return art;
  }
  function load(root, list, url, button) {
    root.setAttribute("aria-busy", "true");
    fetch(url, {credentials: "omit"}).then(function (r) {
      if (r.status == 400) return r.json().then(function (p) { throw {detail: p.detail}; });
      if (!r.ok) throw new Error(r.status);
      return r.json();
    }).then(function (feed) {
      var first = null;
      (feed.items || []).forEach(function (item) {
        var node = list.appendChild(post(item));
        first = first || node;
      });
      if (button && first) {
        first.tabIndex = -1;
        first.focus();
      }
      if (button) button.remove();
      if (feed.next_url && okUrl.test(feed.next_url)) {
        var more = root.appendChild(el("button", "sb-more", "Load More…"));
        more.type = "button";
        more.addEventListener("click", function () { load(root, list, feed.next_url, more); });
      }
    }).catch(function (e) {
      // A 400 is the embedding page's mistake (a misspelt data-group): say which, for its author.
      if (e && e.detail) return root.appendChild(el("p", "sb-empty", "This feed's settings are wrong: " + e.detail));
      var p = root.appendChild(el("p", "sb-empty", "Could not load the latest posts. "));
      p.appendChild(link(base + "/whats-new", "See them on our site"));
    }).then(function () { root.removeAttribute("aria-busy"); });
  }
  function eventItem(ev) {
    var id = "sbe" + (++count);
    var art = el("article", "sb-event" + (ev.status === "cancelled" ? " sb-cancelled" : ""));
    art.setAttribute("aria-labelledby", id + "h");
    var h = art.appendChild(el("h3", null));
    h.id = id + "h";
    if (ev.status === "cancelled") {
      h.appendChild(el("span", "sb-badge", "Cancelled"));
      h.appendChild(document.createTextNode(" "));
    }
    h.appendChild(document.createTextNode(ev.title || ""));
    var when = art.appendChild(el("p", "sb-when"));
    var time = when.appendChild(el("time", null, ev.when || ""));
    time.dateTime = ev.start || "";
    if (ev.group_name) when.appendChild(document.createTextNode(" · " + ev.group_name));
    if (ev.location) art.appendChild(el("p", "sb-where", ev.location));
    if (ev.description) art.appendChild(el("p", "sb-text", ev.description));
    var now = Date.now(), start = Date.parse(ev.start), end = ev.end ? Date.parse(ev.end) : start + 7200e3;
    if (ev.online_url && okUrl.test(ev.online_url) && ev.status !== "cancelled") {
      var live = start <= now && now < end;
      var p = art.appendChild(el("p"));
      if (live) p.appendChild(el("strong", "sb-live", "Live now: "));
      var watch = p.appendChild(link(ev.online_url, live ? "Watch the livestream" : "Livestream link", "sb-view"));
      watch.appendChild(el("span", "sb-sr", " (" + (ev.title || "") + ")"));
    }
    return art;
  }
  function loadEvents(root) {
    var q = new URLSearchParams();
    var group = root.getAttribute("data-group");
    if (group) q.set("group", group);
    var limit = parseInt(root.getAttribute("data-limit") || "10", 10);
    root.setAttribute("aria-busy", "true");
    fetch(base + "/events.json?" + q, {credentials: "omit"}).then(function (r) {
      if (r.status == 400) return r.json().then(function (p) { throw {detail: p.detail}; });
      if (!r.ok) throw new Error(r.status);
      return r.json();
    }).then(function (body) {
      var list = root.appendChild(el("div"));
      var events = (body.events || []).slice(0, limit);
      events.forEach(function (ev) { list.appendChild(eventItem(ev)); });
      if (!events.length) root.appendChild(el("p", "sb-empty", "No events are coming up."));
      var more = root.appendChild(el("p", "sb-more-events"));
      more.appendChild(link(base + "/events", "All events"));
      more.appendChild(document.createTextNode(" · "));
      more.appendChild(link(base + "/events.ics" + (group ? "?" + q : ""), "Add them to your calendar"));
    }).catch(function (e) {
      if (e && e.detail) return root.appendChild(el("p", "sb-empty", "These events' settings are wrong: " + e.detail));
      var p = root.appendChild(el("p", "sb-empty", "Could not load the events. "));
      p.appendChild(link(base + "/events", "See them on our site"));
    }).then(function () { root.removeAttribute("aria-busy"); });
  }
  function start() {
    if (!document.querySelector("link[data-socialbot-css]")) {
      var css = document.head.appendChild(el("link"));
      css.rel = "stylesheet";
      css.href = base + "/embed.css";
      css.setAttribute("data-socialbot-css", "");
    }
    document.querySelectorAll("[data-socialbot-feed]:not([data-sb-ready])").forEach(function (root) {
      root.setAttribute("data-sb-ready", "");
      root.classList.add("sb-feed");
      var list = root.appendChild(el("div"));
      list.setAttribute("role", "feed");
      var q = new URLSearchParams({limit: root.getAttribute("data-limit") || "10"});
      ["group", "network", "hashtag"].forEach(function (k) {
        var v = root.getAttribute("data-" + k);
        if (v) q.set(k, v);
      });
      load(root, list, base + "/feed.json?" + q, null);
    });
    document.querySelectorAll("[data-socialbot-events]:not([data-sb-ready])").forEach(function (root) {
      root.setAttribute("data-sb-ready", "");
      root.classList.add("sb-feed", "sb-events");
      loadEvents(root);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
