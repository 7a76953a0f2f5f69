/* pmemail webmail: progressive enhancement only; every page works without it.
   - a mail's HTML frame grows to its content (no inner scroll bar);
   - the compose form saves itself to Drafts every 30 s once changed, and keeps
     the session alive while it is open;
   - "select all" in the message list. */
"use strict";

function sizeFrame(frame) {
  try {
    const doc = frame.contentDocument;
    if (doc && doc.documentElement) {
      frame.style.height = (doc.documentElement.scrollHeight + 20) + "px";
    }
  } catch (e) { /* not readable: keep the stylesheet's height */ }
}

function setupFrame() {
  const frame = document.getElementById("mail-body");
  if (!frame) return;
  frame.addEventListener("load", () => sizeFrame(frame));
  sizeFrame(frame);
}

function setupCompose() {
  const form = document.querySelector("form.compose");
  if (!form) return;
  const status = document.getElementById("autosave-status");
  const say = (text) => { if (status) status.textContent = text; };
  const keepalive = Number(form.dataset.keepalive || "300") * 1000;
  let dirty = false, busy = false, submitted = false;
  form.addEventListener("input", () => { dirty = true; });
  form.addEventListener("submit", () => { submitted = true; });

  async function autosave() {
    if (!dirty || busy || submitted) return;
    // A draft's unticked attachment would shift the parts' numbers: leave that to Save draft.
    if (form.querySelector("input[name=keep]:not(:checked)")) return;
    busy = true; dirty = false;
    const data = new FormData(form);
    data.delete("attachment");  // files go with Send or Save draft, not every 30 s
    data.set("op", "autosave");
    try {
      const r = await fetch("/send", {method: "POST", body: data, credentials: "same-origin"});
      const type = r.headers.get("Content-Type") || "";
      if (r.ok && type.startsWith("application/json")) {
        const answer = await r.json();
        form.elements["draft_uid"].value = String(answer.draft);
        say(form.dataset.autosaved);
      } else if (r.url.includes("/login")) {
        say(form.dataset.sessionLost);
      } else {
        dirty = true; say(form.dataset.autosaveFailed);
      }
    } catch (e) {
      dirty = true; say(form.dataset.autosaveFailed);
    } finally { busy = false; }
  }

  async function ping() {
    if (submitted) return;
    try {
      const r = await fetch("/keepalive", {credentials: "same-origin"});
      if (r.url.includes("/login")) say(form.dataset.sessionLost);
    } catch (e) { /* offline for a moment: the next ping tries again */ }
  }

  setInterval(autosave, 30000);
  setInterval(ping, Math.max(5000, keepalive));
}

function setupSelectAll() {
  const box = document.getElementById("select-all");
  if (!box) return;
  box.hidden = false;
  box.closest(".select-all").hidden = false;
  box.addEventListener("change", () => {
    for (const c of document.querySelectorAll("table.messages input[name=uid]")) {
      c.checked = box.checked;
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setupFrame();
  setupCompose();
  setupSelectAll();
});
