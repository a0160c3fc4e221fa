// The reception's roll-call page: sign in, show the latest roll call (who is unaccounted for,
// those needing assistance first, and who is safe), tick people off through
// PUT roll-calls/{id}/safe/{number}, start a new roll call, fetch the PDF and the offline copy,
// and follow the live event reception.roll_call over /api/v1/events (polling as a fallback).
"use strict";
(() => {
  const POLL_MS = 30000;
  const body = document.body;
  const text = (key) => body.dataset[key] || "";
  const $ = (id) => document.getElementById(id);
  let roll = null; // the last summary received
  let timer = null;

  function say(message) { $("status").textContent = message; }

  function time(epoch) {
    return new Date(epoch * 1000).toLocaleTimeString(body.dataset.lang === "en" ? "en-GB" : "sv-SE");
  }

  const call = (method, path, data) => page.call(method, path, data);

  async function problem(response) {
    try { return (await response.json()).detail || text("error"); } catch (e) { return text("error"); }
  }

  function cell(row, value, className) {
    const td = document.createElement("td");
    if (className) td.className = className;
    td.textContent = value;
    row.append(td);
    return td;
  }

  function personRow(person) {
    const row = document.createElement("tr");
    row.dataset.number = person.number;
    if (person.needs_assistance) row.className = "assist";
    const name = person.visitor_name || person.number;
    cell(row, person.protected ? `${name} (${text("protected")})` : name);
    cell(row, person.organisation || "");
    cell(row, person.host ? person.host.name : "");
    cell(row, person.location || "");
    cell(row, person.needs_assistance ? text("yes") : "", person.needs_assistance ? "assist-mark" : "");
    const td = cell(row, "");
    const button = document.createElement("button");
    button.type = "button";
    button.className = person.safe_at ? "secondary tick" : "tick";
    button.textContent = person.safe_at ? text("unmark") : text("mark");
    button.setAttribute("aria-label", `${button.textContent}: ${name}`);
    button.addEventListener("click", () => tick(person.number, !person.safe_at));
    td.append(button);
    return row;
  }

  function emptyRow(message) {
    const row = document.createElement("tr");
    const td = cell(row, message);
    td.colSpan = 6;
    return row;
  }

  function render() {
    const missing = document.createElement("tbody");
    const safe = document.createElement("tbody");
    for (const person of roll.people) (person.safe_at ? safe : missing).append(personRow(person));
    if (!missing.children.length) missing.append(emptyRow(text("everyoneSafe")));
    if (!safe.children.length) safe.append(emptyRow(text("nobodySafe")));
    $("missing").tBodies[0].replaceWith(missing);
    $("safe").tBodies[0].replaceWith(safe);
    const inside = roll.people.length;
    const safeCount = roll.people.filter((p) => p.safe_at).length;
    const assist = roll.people.filter((p) => p.needs_assistance && !p.safe_at).length;
    $("counts").textContent = `${text("inside")}: ${inside} · ${text("safeCount")}: ${safeCount} · `
      + `${text("missingCount")}: ${inside - safeCount} · ${text("assistCount")}: ${assist}`;
    const reason = roll.roll_call.reason ? ` (${roll.roll_call.reason})` : "";
    say(`${text("started")} ${time(roll.roll_call.started_at)}${reason}. ${text("updated")} ${time(Date.now() / 1000)}.`);
    $("missing").hidden = $("safe").hidden = false;
  }

  function showNone() {
    roll = null;
    $("missing").hidden = $("safe").hidden = true;
    $("counts").textContent = "";
    say(text("none"));
  }

  async function load() {
    let response;
    try { response = await call("GET", "roll-calls/latest"); } catch (e) {
      if (page.token()) say(text("offline"));
      return;
    }
    if (response.status === 404) { showNone(); return; }
    if (!response.ok) { say(await problem(response)); return; }
    roll = await response.json();
    render();
  }

  async function tick(number, safe) {
    if (!roll) return;
    const response = await call("PUT", `roll-calls/${roll.roll_call.id}/safe/${encodeURIComponent(number)}`, { safe });
    if (!response.ok) { say(await problem(response)); return; }
    apply(number, await response.json());
    const button = document.querySelector(`tr[data-number="${CSS.escape(number)}"] button`);
    if (button) button.focus();
  }

  // one person changed (our own tick, or another desk's live event)
  function apply(number, changed) {
    const person = roll && roll.people.find((p) => p.number === number);
    if (!person) { load(); return; }
    person.safe_at = changed.safe_at;
    person.safe_by = changed.safe_by;
    render();
  }

  async function start(event) {
    event.preventDefault();
    const response = await call("POST", "roll-calls", { reason: $("reason").value.trim() });
    if (!response.ok) { say(await problem(response)); return; }
    roll = await response.json();
    $("reason").value = "";
    render();
  }

  async function download(path, filename) {
    const response = await call("GET", `${path}?lang=${body.dataset.lang}`);
    if (!response.ok) { say(await problem(response)); return; }
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement("a");
    link.href = url;
    if (filename) link.download = filename; else link.target = "_blank";
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  function onEvent(event) {
    if (event.type !== "reception.roll_call") return;
    const data = event.data;
    if (roll && data.number && data.roll_call === roll.roll_call.id) apply(data.number, data);
    else load();
  }

  const page = KontaktStaffPage.start({
    key: "kontakt-rollcall-token",
    content: "roll",
    messages: { badLogin: text("badLogin"), expired: text("expired"), forbidden: text("forbidden") },
    signedIn: async (byForm) => {
      await load();
      clearInterval(timer);
      timer = setInterval(load, POLL_MS);
      if (byForm) $("roll-title").focus();
    },
    signedOut: () => {
      clearInterval(timer);
      roll = null;
    },
    event: onEvent,
  });

  $("start-form").addEventListener("submit", start);
  $("pdf").addEventListener("click", () => download("roll-calls/latest/pdf", ""));
  $("offline").addEventListener("click", () => download("roll-calls/latest/offline", "utrymning.html"));
})();
