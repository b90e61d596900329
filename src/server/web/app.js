/* app.js - the web app's only script (served as /static/app.js; the pages'
 * CSP allows no inline script).  Everything works without it; it adds:
 * a Show/Hide button for the passphrase field, and incident clocks that
 * count down. */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
	document.querySelectorAll("button[data-toggle-password]").forEach(function (b) {
		var input = document.getElementById(b.getAttribute("data-toggle-password"));
		if (!input)
			return;
		b.hidden = false;
		b.setAttribute("aria-pressed", "false");
		b.addEventListener("click", function () {
			var show = input.type === "password";
			input.type = show ? "text" : "password";
			b.textContent = show ? "Hide" : "Show";
			b.setAttribute("aria-pressed", show ? "true" : "false");
		});
	});
});

/* Incident clocks count down: each [data-due] (unix seconds) is rewritten
 * every 30 s, as the server wrote it ("in 2 d 5 h", "3 h 10 min ago"). */
function fortressLeft(due) {
	var d = due - Math.floor(Date.now() / 1000), a = Math.abs(d), s;
	if (a >= 86400)
		s = Math.floor(a / 86400) + " d " + Math.floor((a % 86400) / 3600) + " h";
	else
		s = Math.floor(a / 3600) + " h " + Math.floor((a % 3600) / 60) + " min";
	return d < 0 ? s + " ago" : "in " + s;
}
document.addEventListener("DOMContentLoaded", function () {
	var clocks = document.querySelectorAll("[data-due]");
	if (!clocks.length)
		return;
	var tick = function () {
		clocks.forEach(function (c) { c.textContent = fortressLeft(parseInt(c.getAttribute("data-due"), 10)); });
	};
	tick();
	setInterval(tick, 30000);
});
