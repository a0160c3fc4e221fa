// The kiosk page: keeps the kiosk's token (from the pairing link's #token=) in local storage,
// searches hosts, checks in, prints the badge and signs out, all through /kiosk/… endpoints.
"use strict";
(function () {
  const body = document.body;
  const text = (key) => body.dataset[key] || "";
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get("token")) {
    localStorage.setItem("kioskToken", fragment.get("token"));
    history.replaceState(null, "", location.pathname + location.search);
  }
  const token = () => localStorage.getItem("kioskToken") || "";
  const status = document.getElementById("status");
  let lastCode = "";

  function say(message) {
    status.hidden = false;
    status.textContent = message;
  }

  async function call(method, path, data) {
    const options = { method, headers: { Authorization: "Bearer " + token(), "Accept-Language": body.dataset.lang } };
    if (data !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(data);
    }
    const response = await fetch("kiosk/" + path, options);
    if (response.status === 401) throw new Error(text("notPaired"));
    if (!response.ok) {
      let detail = text("error");
      // the server's own messages exist in Swedish and English only; in another language the
      // visitor gets the page's translated "ask the reception" instead
      if (body.dataset.serverTexts === "yes") {
        try { detail = (await response.json()).detail || detail; } catch (e) { /* not JSON */ }
      }
      throw new Error(detail);
    }
    return response;
  }

  const query = document.getElementById("host_query");
  const choices = document.getElementById("host_choices");
  const list = document.getElementById("host_list");
  let timer = null;
  query.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });

  async function search() {
    const q = query.value.trim();
    list.replaceChildren();
    choices.hidden = true;
    if (q.length < 2) return;
    try {
      const found = await (await call("GET", "hosts?q=" + encodeURIComponent(q))).json();
      if (!found.items.length) { say(text("noHosts")); return; }
      for (const host of found.items) {
        const row = document.createElement("div");
        row.className = "choice";
        const input = document.createElement("input");
        input.type = "radio";
        input.name = "host";
        input.id = "host-" + host.id;
        input.value = host.id;
        const label = document.createElement("label");
        label.htmlFor = input.id;
        label.textContent = host.unit ? host.name + " – " + host.unit : host.name;
        row.append(input, label);
        list.append(row);
      }
      choices.hidden = false;
    } catch (error) { say(error.message); }
  }

  document.getElementById("checkin").addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = document.querySelector("input[name=host]:checked");
    if (!chosen) { say(text("chooseHost")); query.focus(); return; }
    try {
      const result = await (await call("POST", "check-in", {
        visitor_name: document.getElementById("visitor_name").value,
        organisation: document.getElementById("organisation").value,
        purpose: document.getElementById("purpose").value,
        needs_assistance: document.getElementById("needs_assistance").checked,
        host_id: Number(chosen.value),
        language: body.dataset.lang,
      })).json();
      lastCode = result.signout_code;
      say(text("welcome") + " " + result.visit.number);
      event.target.reset();
      list.replaceChildren();
      choices.hidden = true;
      document.getElementById("done").hidden = false;
      document.getElementById("badge").focus();
    } catch (error) { say(error.message); }
  });

  document.getElementById("badge").addEventListener("click", async () => {
    try {
      const pdf = await (await call("POST", "badge", { code: lastCode })).blob();
      window.open(URL.createObjectURL(pdf), "_blank");
    } catch (error) { say(error.message); }
  });

  document.getElementById("signout").addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = document.getElementById("code");
    const value = code.value.trim();
    try {
      if (value.startsWith("VI1-")) {  // an invitation: checked in in one step
        const result = await (await call("POST", "arrive", { code: value })).json();
        lastCode = result.signout_code;
        say(text("welcome") + " " + result.visit.number);
        document.getElementById("done").hidden = false;
      } else {
        await call("POST", "sign-out", { code: value });
        say(text("signedOut"));
        document.getElementById("done").hidden = true;
      }
      code.value = "";
    } catch (error) { say(error.message); }
  });
})();
