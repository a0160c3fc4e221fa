// The wallboard page: sign in (the core's staff-page.js), then show /wallboard/data and follow
// the live event telephony.wallboard over the websocket (polling as a fallback).
"use strict";
(() => {
  const BASE = "/api/v1/plugins/telephony_centrex";
  const POLL_MS = 15000;
  let timer = null;
  let ticker = null;
  let last = null; // the last board received, and the offset of the server's clock
  let skew = 0;

  const $ = (id) => document.getElementById(id);

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    const s = Math.round(seconds);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  function percent(value) {
    return value === null || value === undefined ? "–" : `${value.toLocaleString("sv-SE")} %`;
  }

  function cell(row, text, className) {
    const td = document.createElement("td");
    if (className) {
      const span = document.createElement("span");
      span.className = className;
      span.textContent = text;
      td.append(span);
    } else {
      td.textContent = text;
    }
    row.append(td);
  }

  function levelClass(value) {
    if (value === null || value === undefined) return "";
    return value >= 80 ? "level good" : value >= 70 ? "level near" : "level poor";
  }

  function fill(row, item, name) {
    cell(row, name);
    cell(row, String(item.waiting), item.waiting > 0 ? "waiting busy" : "");
    cell(row, duration(waited(item)));
    cell(row, item.agents_ready === undefined ? "–" : String(item.agents_ready));
    cell(row, item.agents_busy === undefined ? "–" : String(item.agents_busy));
    cell(row, item.agents_paused === undefined ? "–" : String(item.agents_paused));
    cell(row, percent(item.service_level), levelClass(item.service_level));
    cell(row, duration(item.asa_seconds));
    cell(row, percent(item.abandon_rate));
    cell(row, String(item.callbacks_waiting));
  }

  // the longest wait counts up every second from when the caller began to wait
  function waited(item) {
    if (!item.waiting_since) return item.waiting > 0 ? item.longest_wait_seconds : 0;
    return Math.max(0, Date.now() / 1000 + skew - item.waiting_since);
  }

  function receive(board) {
    skew = board.at - Date.now() / 1000;
    last = board;
    render(board);
  }

  function render(board) {
    const body = document.createElement("tbody");
    for (const item of board.groups) {
      const row = document.createElement("tr");
      fill(row, item, item.name_sv || item.answer_group);
      body.append(row);
    }
    $("groups").tBodies[0].replaceWith(body);
    const foot = document.createElement("tfoot");
    const total = document.createElement("tr");
    fill(total, board.total, "Totalt");
    foot.append(total);
    $("groups").tFoot.replaceWith(foot);
    $("limit").textContent = `${Math.round(board.service_level_seconds / 60)} minuter`;
    const at = new Date(board.at * 1000).toLocaleTimeString("sv-SE");
    $("status").textContent = `Uppdaterad ${at}`;
  }

  async function load() {
    let response;
    try {
      response = await page.call("GET", `${BASE}/wallboard/data`);
    } catch (error) {
      return; // signed out, with the reason on the sign-in form
    }
    if (response.ok) receive(await response.json());
  }

  function stop() {
    clearInterval(timer);
    clearInterval(ticker);
    last = null;
  }

  const page = KontaktStaffPage.start({
    key: "kontakt-wallboard-token",
    content: "board",
    messages: {
      badLogin: "Fel användarnamn eller lösenord.",
      expired: "Inloggningen har gått ut. Logga in igen.",
      forbidden: "Kontot får inte se väggtavlan.",
    },
    signedIn: async () => {
      await load();
      stop();
      timer = setInterval(load, POLL_MS);
      ticker = setInterval(() => { if (last) render(last); }, 1000);
    },
    signedOut: stop,
    event: (event) => { if (event.type === "telephony.wallboard") receive(event.data); },
  });
})();
