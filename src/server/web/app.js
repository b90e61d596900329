/* app.js - the web app's only script (served as /static/app.js; the pages'
 * CSP allows no inline script).  Everything works without it; it adds:
 * a Show/Hide button for the passphrase field. */
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
