// What the appliance's staff web pages (the wallboard, the roll call) share: the sign-in form
// (#login with #login-form, #username, #password, #login-error), the sign-out button
// (#logout), the token kept in the tab's session storage, calls with that token, and the live
// events over /api/v1/events, reconnecting while signed in. Served by the core at
// /api/v1/static/staff-page.js; a page loads it before its own script and calls
// KontaktStaffPage.start({...}) once.
"use strict";
window.KontaktStaffPage = (() => {
  const $ = (id) => document.getElementById(id);
  const RECONNECT_MS = 5000;

  // options: key (session storage), content (id of what shows while signed in),
  // messages {badLogin, expired, forbidden}, signedIn(byForm) (async), signedOut(),
  // event(liveEvent) (optional: without it no websocket is opened)
  function start(options) {
    const { key, content, messages } = options;
    let socket = null;
    const token = () => sessionStorage.getItem(key) || "";

    function show(signedIn) {
      $("login").hidden = signedIn;
      $(content).hidden = !signedIn;
      $("logout").hidden = !signedIn;
    }

    function signOut(reason) {
      sessionStorage.removeItem(key);
      const open = socket;
      socket = null;
      if (open) open.close();
      show(false);
      $("login-error").textContent = reason || "";
      if (options.signedOut) options.signedOut();
    }

    // a call with the token; a refused token signs out (with the reason) and throws
    async function call(method, path, data) {
      const headers = {
        Authorization: `Bearer ${token()}`,
        Accept: "application/json",
        "Accept-Language": document.documentElement.lang,
      };
      const init = { method, headers };
      if (data !== undefined) {
        headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(data);
      }
      const response = await fetch(path, init);
      if (response.status === 401 || response.status === 403) {
        signOut(response.status === 403 ? messages.forbidden : messages.expired);
        throw new Error(messages.expired);
      }
      return response;
    }

    function follow() {
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      const url = `${scheme}://${location.host}/api/v1/events?token=${encodeURIComponent(token())}`;
      const open = new WebSocket(url);
      socket = open;
      open.addEventListener("message", (message) => options.event(JSON.parse(message.data)));
      open.addEventListener("close", () => {
        setTimeout(() => { if (token() && socket === open) follow(); }, RECONNECT_MS);
      });
    }

    async function begin(byForm) {
      show(true);
      await options.signedIn(byForm);
      if (token() && options.event) follow();
    }

    async function signIn(event) {
      event.preventDefault();
      $("login-error").textContent = "";
      const response = await fetch("/api/v1/auth/login", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ username: $("username").value, password: $("password").value }),
      });
      if (!response.ok) {
        $("login-error").textContent = messages.badLogin;
        return;
      }
      sessionStorage.setItem(key, (await response.json()).token);
      $("password").value = "";
      await begin(true);
    }

    $("login-form").addEventListener("submit", signIn);
    $("logout").addEventListener("click", () => signOut(""));
    // after the page's script has its handle back (its signedIn may use it)
    queueMicrotask(() => { if (token()) begin(false); else show(false); });
    return { token, call, signOut };
  }

  return { start };
})();
