/* pmemail webmail: progressive enhancement only; every page works without it.
   - a mail's HTML frame grows to its content (no inner scroll bar);
   - the compose form saves itself to Drafts every 30 s once changed, and keeps
     the session alive while it is open;
   - attachments over the message size limit are refused before they upload;
   - dates are shown in the browser's own time zone;
   - each address of To/Cc/Bcc is completed from the address book;
   - on wide screens, messages open in a reading pane beside the list;
   - keyboard shortcuts (data-key on the link or field they use);
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

// What an attachment of n bytes takes once base64-encoded in the message (76-character
// lines and CRLF), plus its part headers: as mailcore/webmail/compose.py counts it.
const encodedSize = (n) => Math.ceil(n / 57) * 78 + 2048;

function setupUploadCheck() {
  const form = document.querySelector("form.compose");
  const input = form && form.querySelector("input[type=file]");
  if (!input) return;
  const limit = Number(form.dataset.uploadLimit || "0") - 4096;
  input.addEventListener("change", () => {
    let total = 0;
    for (const f of input.files) total += encodedSize(f.size);
    input.setCustomValidity(total > limit ? form.dataset.tooLarge : "");
    input.reportValidity();
  });
}

function setupDates() {
  for (const t of document.querySelectorAll("time[datetime]")) {
    const when = new Date(t.getAttribute("datetime"));
    if (isNaN(when)) continue;
    t.title = t.textContent;  // the office's time, as the server wrote it
    t.textContent = when.toLocaleString(t.dataset.lang || undefined,
                                        {dateStyle: "full", timeStyle: "short"});
  }
}

// Address completion for every address of To/Cc/Bcc, not only the first: the
// datalist is rebuilt as "what is typed before the last comma" + each contact
// that starts like the address being typed (name or address).
function setupCompletion() {
  const list = document.getElementById("contacts");
  if (!list) return;
  const contacts = Array.from(list.options, (o) => o.value);
  const rebuild = (input) => {
    const value = input.value;
    const cut = value.lastIndexOf(",");
    if (cut < 0) {
      list.replaceChildren(...contacts.map((c) => new Option("", c)));
      return;
    }
    const head = value.slice(0, cut + 1).trimEnd() + " ";
    const token = value.slice(cut + 1).trim().toLowerCase();
    const found = [];
    for (const c of contacts) {
      const address = (c.match(/<([^>]+)>$/) || [null, c])[1];
      if (c.toLowerCase().startsWith(token)) found.push(head + c);
      else if (address.toLowerCase().startsWith(token)) found.push(head + address);
      if (found.length >= 20) break;
    }
    list.replaceChildren(...found.map((v) => new Option("", v)));
  };
  for (const input of document.querySelectorAll("input[list=contacts]")) {
    input.addEventListener("input", () => rebuild(input));
    input.addEventListener("focus", () => rebuild(input));
  }
}

// Keyboard shortcuts for the common actions (as in most mail programs), never while
// typing in a field: c write, / search, r reply, a reply all, f forward, u back to
// the list. Each is a link or field of the page, found by its data-key.
function setupShortcuts() {
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    const el = document.querySelector(`[data-key="${CSS.escape(event.key)}"]`);
    if (!el) return;
    event.preventDefault();
    if (el.matches("input, textarea, select")) el.focus();
    else el.click();
  });
}

// On a wide screen a message opens in the reading pane beside the list
// (/mail?...&open=uid); on a phone, or without script, on its own page (/msg).
function setupPane() {
  if (!window.matchMedia("(min-width: 1100px)").matches) return;
  const here = new URLSearchParams(window.location.search);
  for (const name of ["open", "done", "n", "to", "undo", "sent", "images", "view"]) {
    here.delete(name);
  }
  for (const a of document.querySelectorAll("table.messages a[href^='/msg?']")) {
    const uid = new URLSearchParams(a.getAttribute("href").slice(5)).get("uid");
    const target = new URLSearchParams(here);
    target.set("open", uid);
    a.setAttribute("href", "/mail?" + target.toString());
  }
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
  setupUploadCheck();
  setupDates();
  setupCompletion();
  setupShortcuts();
  setupPane();
  setupSelectAll();
});
