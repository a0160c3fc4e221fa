// The reception's roll-call page: sign in, show the latest roll call (who is unaccounted for,
// those needing assistance first, and who is safe), tick people off through
// PUT roll-calls/{id}/safe/{number}, start a new roll call, fetch the PDF and the offline copy,
// and follow the live event reception.roll_call over /api/v1/events (polling as a fallback).
"use strict";
(() => {
  const KEY = "kontakt-rollcall-token";
  const POLL_MS = 30000;
  const body = document.body;
  const text = (key) => body.dataset[key] || "";
  const $ = (id) => document.getElementById(id);
  const token = () => sessionStorage.getItem(KEY) || "";
  let roll = null; // the last summary received
  let socket = null;
  let timer = null;

  function say(message) { $("status").textContent = message; }

  function time(epoch) {
    return new Date(epoch * 1000).toLocaleTimeString(body.dataset.lang === "en" ? "en-GB" : "sv-SE");
  }

  async function call(method, path, data) {
    const options = {
      method,
      headers: { Authorization: `Bearer ${token()}`, Accept: "application/json", "Accept-Language": body.dataset.lang },
    };
    if (data !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(data);
    }
    const response = await fetch(path, options);
    if (response.status === 401 || response.status === 403) {
      signOut();
      $("login-error").textContent = text(response.status === 403 ? "forbidden" : "expired");
      throw new Error(text("expired"));
    }
    return response;
  }

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
      if (token()) say(text("offline"));
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

  function follow() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/api/v1/events?token=${encodeURIComponent(token())}`);
    socket.addEventListener("message", (message) => {
      const event = JSON.parse(message.data);
      if (event.type !== "reception.roll_call") return;
      const data = event.data;
      if (roll && data.number && data.roll_call === roll.roll_call.id) apply(data.number, data);
      else load();
    });
    socket.addEventListener("close", () => {
      if (token()) setTimeout(() => { if (token() && socket && socket.readyState === WebSocket.CLOSED) follow(); }, 5000);
    });
  }

  function show(signedIn) {
    $("login").hidden = signedIn;
    $("roll").hidden = !signedIn;
    $("logout").hidden = !signedIn;
  }

  function signOut() {
    sessionStorage.removeItem(KEY);
    const open = socket;
    socket = null;
    if (open) open.close();
    clearInterval(timer);
    roll = null;
    show(false);
  }

  async function begin() {
    show(true);
    await load();
    if (!token()) return;
    clearInterval(timer);
    timer = setInterval(load, POLL_MS);
    follow();
  }

  async function signIn(event) {
    event.preventDefault();
    $("login-error").textContent = "";
    const response = await fetch("/api/v1/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ username: $("username").value, password: $("password").value }),
    });
    if (!response.ok) { $("login-error").textContent = text("badLogin"); return; }
    sessionStorage.setItem(KEY, (await response.json()).token);
    $("password").value = "";
    await begin();
    $("roll-title").focus();
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("login-form").addEventListener("submit", signIn);
    $("logout").addEventListener("click", signOut);
    $("start-form").addEventListener("submit", start);
    $("pdf").addEventListener("click", () => download("roll-calls/latest/pdf", ""));
    $("offline").addEventListener("click", () => download("roll-calls/latest/offline", "utrymning.html"));
    if (token()) begin(); else show(false);
  });
})();
