// The workspace's little script (no build step): sign-in from Telegram's initData or a /web
// link (both arrive after '#', so the server never sees them in a URL), and a score menu that
// submits itself. Everything else is plain HTML forms.
"use strict";

function telegramInitData() {
  const app = window.Telegram && window.Telegram.WebApp;
  if (app && app.initData) return app.initData;
  const hash = new URLSearchParams(window.location.hash.slice(1));
  return hash.get("tgWebAppData") || "";
}

async function signIn(box) {
  const via = box.dataset.via;
  const body = new URLSearchParams({ to: box.dataset.to });
  if (via === "telegram") {
    body.set("init_data", telegramInitData());
  } else {
    body.set("token", window.location.hash.slice(1));
  }
  history.replaceState(null, "", window.location.pathname);
  const status = document.getElementById("signin-status");
  try {
    const answer = await fetch("/auth/" + via, { method: "POST", body, credentials: "same-origin" });
    const data = await answer.json();
    if (answer.ok && data.to) {
      window.location.replace(data.to);
      return;
    }
    status.textContent = data.error || status.textContent;
  } catch (error) {
    status.textContent = String(error);
  }
  status.classList.add("notice");
}

document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("signin");
  if (box) signIn(box);
  for (const menu of document.querySelectorAll("select[data-autosubmit]")) {
    menu.addEventListener("change", () => menu.form.requestSubmit());
  }
  const app = window.Telegram && window.Telegram.WebApp;
  if (app && app.ready) app.ready();
});
