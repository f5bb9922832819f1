/*!
 * rag chat widget: ask the articles a question, get quoted paragraphs with citations.
 *
 * Embed with one tag (no framework, no CDN, no build step):
 *   <script src="https://HOST/widget.js" data-endpoint="https://HOST" defer></script>
 *
 * data- attributes (all optional):
 *   data-endpoint     API base URL (default: the origin this script was loaded from)
 *   data-title        panel title
 *   data-placeholder  text box placeholder
 *   data-lang         "ar" | "en": language of the widget's own interface text
 *                     (default: the page's <html lang>)
 *   data-suggestions  starter questions separated by "|"
 *   data-api-key      sent as the X-API-Key header
 *   data-open         open the panel on load ("true")
 *   data-position     "left" | "right" (default: right, left for Arabic interface)
 *   data-accent       accent colour (any CSS colour)
 *   data-top-k        passages per answer (default 3, at most the server's limit)
 *   data-document     answer only from this document id (the article on this page);
 *                     without it, questions search the whole archive
 *   data-timeout      request timeout in milliseconds (default 20000)
 *   data-theme        "light" (default) | "dark" | "auto" (follow the reader's system
 *                     setting); light by default because it must match the page
 *
 * The question length and top_k limits come from the server's /health, never from here.
 * Each answer has "helpful / not helpful" buttons that POST /feedback with the answer's id.
 *
 * Everything the server sends is rendered as text (textContent / text nodes), never as
 * HTML. Styles live in an open shadow root, attached as a constructable stylesheet so
 * that a page CSP with `style-src 'self'` does not block them.
 */
(function () {
  "use strict";

  var script = document.currentScript || findOwnScript();
  var TAG = "rag-chat-widget";

  function findOwnScript() {
    var all = document.querySelectorAll('script[src*="widget.js"]');
    return all.length ? all[all.length - 1] : null;
  }

  if (!script || window.__ragChatWidgetLoaded) return;
  window.__ragChatWidgetLoaded = true;

  // ---------------------------------------------------------------- configuration --

  var data = script.dataset || {};
  var scriptUrl = new URL(script.getAttribute("src") || "", document.baseURI);
  var ENDPOINT = (data.endpoint || scriptUrl.origin).trim().replace(/\/+$/, "");
  var LANG = pickLang(data.lang || document.documentElement.getAttribute("lang") || "en");
  var CHROME_DIR = LANG === "ar" ? "rtl" : "ltr";
  var SIDE = data.position === "left" || data.position === "right"
    ? data.position
    : (CHROME_DIR === "rtl" ? "left" : "right");
  // Until /health says otherwise; see fetchLimits.
  var REQUESTED_TOP_K = clampInt(data.topK, 1, 1000, 3);
  var TOP_K = REQUESTED_TOP_K;
  var DOCUMENT = (data.document || "").trim();
  var TIMEOUT_MS = clampInt(data.timeout, 1000, 120000, 20000);
  var THEME = data.theme === "dark" || data.theme === "auto" ? data.theme : "light";
  var MAX_CHARS = 0; // no limit in the box until the server states its own
  var API_KEY = data.apiKey || "";
  var SUGGESTIONS = (data.suggestions || "")
    .split("|")
    .map(function (s) { return s.trim(); })
    .filter(Boolean)
    .slice(0, 6);
  var STORE_KEY = "rag-chat-widget:v1:" + ENDPOINT;
  var MAX_STORED = 30;

  function pickLang(value) {
    return String(value).trim().toLowerCase().indexOf("ar") === 0 ? "ar" : "en";
  }

  function askBody(question) {
    var body = { question: question, top_k: TOP_K };
    if (DOCUMENT) body.document = DOCUMENT;
    return body;
  }

  /** The server's limits (question length, top_k) from /health; resolves either way. */
  function fetchLimits() {
    if (typeof fetch !== "function") return Promise.resolve();
    return fetch(ENDPOINT + "/health", { mode: "cors", credentials: "omit" })
      .then(function (res) { return res.json(); })
      .then(function (health) {
        var limits = health && health.limits;
        if (!limits) return;
        if (limits.max_top_k > 0) TOP_K = Math.min(REQUESTED_TOP_K, limits.max_top_k);
        if (limits.max_question_chars > 0) {
          MAX_CHARS = limits.max_question_chars;
          if (ui.input) ui.input.setAttribute("maxlength", String(MAX_CHARS));
        }
      })
      .catch(function () { /* an older server, or offline: /ask still validates */ });
  }

  function clampInt(value, min, max, fallback) {
    var n = parseInt(value, 10);
    if (isNaN(n)) return fallback;
    return Math.min(max, Math.max(min, n));
  }

  // ---------------------------------------------------------------- interface text --

  var STRINGS = {
    en: {
      title: "Ask our articles",
      subtitle: "Quoted answers, with their sources",
      placeholder: "Ask a question in Arabic or English…",
      launcher: "Ask a question",
      openLabel: "Open the question assistant",
      closeLabel: "Close the question assistant",
      close: "Close",
      reset: "Start a new conversation",
      send: "Send question",
      log: "Conversation",
      hint: "Enter to send · Shift+Enter for a new line",
      welcomeTitle: "What would you like to know?",
      welcomeText: "Ask about the news in Arabic or English. Every answer quotes the paragraph it comes from, with a link to the source.",
      tryAsking: "Try asking",
      you: "You",
      answer: "Answer",
      sources: "Sources",
      source: "Source {n}",
      paragraph: "¶ {n}",
      paragraphLong: "paragraph {n}",
      byline: "Byline",
      noAnswerTitle: "No confident answer",
      noAnswerText: "None of the articles answers this directly. These are the closest passages:",
      noPassages: "No matching passages were found.",
      showMore: "Show full paragraph",
      showLess: "Show less",
      loading: "Searching the articles…",
      errNetwork: "Can't reach the answer service. Check your connection and try again.",
      errTimeout: "The answer service took too long to reply. Please try again.",
      errRateLimit: "Too many questions in a short time. Please wait a moment, then try again.",
      errRateLimitWait: "Too many questions in a short time. Please wait {s} seconds, then try again.",
      errAuth: "This site is not allowed to use the answer service.",
      errClient: "This question couldn't be processed.",
      errServer: "The answer service had a problem (error {status}). Please try again shortly.",
      errUnavailable: "The answer service is not ready yet (error {status}). Please try again shortly.",
      errBadResponse: "The answer service sent a response this page can't read.",
      retry: "Try again",
      opensNewTab: "(opens in a new tab)",
      feedbackPrompt: "Was this helpful?",
      helpful: "Helpful",
      notHelpful: "Not helpful",
      feedbackThanks: "Thanks for your feedback.",
      feedbackError: "Your vote couldn't be sent. Please try again.",
    },
    ar: {
      title: "اسأل مقالاتنا",
      subtitle: "إجابات مقتبسة مع مصادرها",
      placeholder: "اكتب سؤالك بالعربية أو الإنجليزية…",
      launcher: "اسأل سؤالاً",
      openLabel: "افتح مساعد الأسئلة",
      closeLabel: "أغلق مساعد الأسئلة",
      close: "إغلاق",
      reset: "ابدأ محادثة جديدة",
      send: "أرسل السؤال",
      log: "المحادثة",
      hint: "Enter للإرسال · Shift+Enter لسطر جديد",
      welcomeTitle: "عمّ تريد أن تعرف؟",
      welcomeText: "اسأل عن الأخبار بالعربية أو الإنجليزية. كل إجابة تقتبس الفقرة التي جاءت منها مع رابط إلى المصدر.",
      tryAsking: "جرّب أن تسأل",
      you: "أنت",
      answer: "الإجابة",
      sources: "المصادر",
      source: "المصدر {n}",
      paragraph: "فقرة {n}",
      paragraphLong: "الفقرة {n}",
      byline: "التعريف بالكاتب",
      noAnswerTitle: "لا توجد إجابة مؤكدة",
      noAnswerText: "لا يجيب أي مقال عن هذا السؤال مباشرة. هذه أقرب الفقرات إليه:",
      noPassages: "لم يُعثر على فقرات مطابقة.",
      showMore: "اعرض الفقرة كاملة",
      showLess: "اعرض أقل",
      loading: "جارٍ البحث في المقالات…",
      errNetwork: "تعذّر الوصول إلى خدمة الإجابات. تحقّق من اتصالك ثم حاول مجددًا.",
      errTimeout: "استغرقت خدمة الإجابات وقتًا طويلًا للرد. يُرجى المحاولة مجددًا.",
      errRateLimit: "أرسلت أسئلة كثيرة في وقت قصير. يُرجى الانتظار قليلًا ثم المحاولة مجددًا.",
      errRateLimitWait: "أرسلت أسئلة كثيرة في وقت قصير. يُرجى الانتظار {s} ثانية ثم المحاولة مجددًا.",
      errAuth: "هذا الموقع غير مسموح له باستخدام خدمة الإجابات.",
      errClient: "تعذّرت معالجة هذا السؤال.",
      errServer: "حدثت مشكلة في خدمة الإجابات (خطأ {status}). يُرجى المحاولة بعد قليل.",
      errUnavailable: "خدمة الإجابات غير جاهزة بعد (خطأ {status}). يُرجى المحاولة بعد قليل.",
      errBadResponse: "أرسلت خدمة الإجابات ردًا لا تستطيع هذه الصفحة قراءته.",
      retry: "حاول مجددًا",
      opensNewTab: "(يفتح في علامة تبويب جديدة)",
      feedbackPrompt: "هل كانت الإجابة مفيدة؟",
      helpful: "مفيدة",
      notHelpful: "غير مفيدة",
      feedbackThanks: "شكرًا على رأيك.",
      feedbackError: "تعذّر إرسال رأيك. يُرجى المحاولة مجددًا.",
    },
  };

  function t(key, vars) {
    var s = STRINGS[LANG][key];
    if (vars) {
      Object.keys(vars).forEach(function (k) { s = s.split("{" + k + "}").join(String(vars[k])); });
    }
    return s;
  }

  var TITLE = (data.title || "").trim() || t("title");
  var PLACEHOLDER = (data.placeholder || "").trim() || t("placeholder");

  // ---------------------------------------------------------------- text direction --

  var RTL_CHARS = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/g;
  var LTR_CHARS = /[A-Za-z\u00C0-\u024F\u0370-\u03FF\u0400-\u04FF]/g;

  /** "rtl" when right-to-left letters outnumber left-to-right ones, "ltr" when not, null without letters. */
  function dirOf(text) {
    var s = String(text || "");
    var rtl = (s.match(RTL_CHARS) || []).length;
    var ltr = (s.match(LTR_CHARS) || []).length;
    if (!rtl && !ltr) return null;
    return rtl > ltr ? "rtl" : "ltr";
  }

  /** Give an element the direction and language of its own text. */
  function setDir(el, text) {
    var dir = dirOf(text);
    el.setAttribute("dir", dir || "auto");
    if (dir) el.setAttribute("lang", dir === "rtl" ? "ar" : "en");
    return el;
  }

  // ---------------------------------------------------------------- DOM helpers --

  /** Create an element. Children that are strings become text nodes, never markup. */
  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === null || value === undefined || value === false) return;
        if (key === "class") el.className = value;
        else if (key.indexOf("on") === 0) el.addEventListener(key.slice(2), value);
        else el.setAttribute(key, value === true ? "" : String(value));
      });
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    if (children === null || children === undefined || children === false) return el;
    if (!Array.isArray(children)) children = [children];
    children.forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      el.appendChild(typeof child === "string" || typeof child === "number"
        ? document.createTextNode(String(child))
        : child);
    });
    return el;
  }

  var SVG_NS = "http://www.w3.org/2000/svg";
  var ICONS = {
    chat: ["M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.2 3.6A.5.5 0 0 1 5 19.2V16h1.5-.5A2 2 0 0 1 4 14Z", "M8 8.5h8M8 11.5h5"],
    close: ["M6 6l12 12M18 6L6 18"],
    chevron: ["M6 9l6 6 6-6"],
    send: ["M4.5 12h13", "M12.5 6l6 6-6 6"],
    doc: ["M7 3.5h7l4 4V20a.5.5 0 0 1-.5.5h-10A.5.5 0 0 1 7 20Z", "M14 3.5V8h4", "M9.5 12h6M9.5 15h6"],
    external: ["M14 5h5v5", "M19 5l-8 8", "M17 14v4.5a.5.5 0 0 1-.5.5h-11a.5.5 0 0 1-.5-.5v-11a.5.5 0 0 1 .5-.5H10"],
    reset: ["M4 12a8 8 0 1 0 2.4-5.7", "M4 4v4.5h4.5"],
    spark: ["M12 3.5l1.9 5.1 5.1 1.9-5.1 1.9L12 17.5l-1.9-5.1L5 10.5l5.1-1.9Z"],
    info: ["M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18Z", "M12 11v5", "M12 7.6v.1"],
    alert: ["M12 4 2.8 19.5h18.4Z", "M12 10v4.5", "M12 17.2v.1"],
    thumb: ["M7.5 10.5V20H5a1 1 0 0 1-1-1v-7.5a1 1 0 0 1 1-1Z", "M7.5 10.5 11.2 4c1.3 0 2.3 1 2.3 2.3V9.5h4.6a2 2 0 0 1 2 2.4l-1.3 6.5a2 2 0 0 1-2 1.6H7.5"],
    quote: ["M9.5 7H6.5A1.5 1.5 0 0 0 5 8.5v3A1.5 1.5 0 0 0 6.5 13H9v1.5A2.5 2.5 0 0 1 6.5 17", "M19 7h-3a1.5 1.5 0 0 0-1.5 1.5v3A1.5 1.5 0 0 0 16 13h2.5v1.5A2.5 2.5 0 0 1 16 17"],
  };

  function icon(name, cls) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "icon" + (cls ? " " + cls : ""));
    ICONS[name].forEach(function (d) {
      var path = document.createElementNS(SVG_NS, "path");
      path.setAttribute("d", d);
      svg.appendChild(path);
    });
    return svg;
  }

  /** Dark when asked for, or with "auto" while the reader's system is dark (live). */
  function applyTheme(root) {
    if (THEME !== "auto" || !window.matchMedia) {
      root.classList.toggle("dark", THEME === "dark");
      return;
    }
    var query = window.matchMedia("(prefers-color-scheme: dark)");
    var update = function () { root.classList.toggle("dark", query.matches); };
    update();
    if (query.addEventListener) query.addEventListener("change", update);
  }

  // ---------------------------------------------------------------- styles --

  // rag/api/static/widget.css, inlined by the server when it loads the widget
  // (rag/api/routes_static.py): one file to embed, and a stylesheet that can be linted.
  var CSS = "/*__WIDGET_CSS__*/";

  /** Constructable stylesheets are CSSOM, which a `style-src 'self'` CSP does not block. */
  function applyStyles(root) {
    try {
      if ("adoptedStyleSheets" in root && typeof CSSStyleSheet.prototype.replaceSync === "function") {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
        return;
      }
    } catch (e) { /* fall back to a <style> element */ }
    root.appendChild(h("style", null, CSS));
  }

  // ---------------------------------------------------------------- session history --

  function loadHistory() {
    try {
      var raw = window.sessionStorage.getItem(STORE_KEY);
      var saved = raw ? JSON.parse(raw) : null;
      if (saved && Array.isArray(saved.items)) {
        // Only well-formed entries: anything else in storage is dropped, never rendered.
        saved.items = saved.items.filter(function (item) {
          return item && ((item.role === "user" && typeof item.text === "string") ||
            (item.role === "bot" && item.data && typeof item.data === "object"));
        });
        saved.items.forEach(function (item) {
          if (item.vote !== true && item.vote !== false) delete item.vote;
        });
        return saved;
      }
    } catch (e) { /* storage blocked or corrupt: start empty */ }
    return { items: [], open: false };
  }

  function saveHistory() {
    try {
      // Keep only answered questions: a question whose request failed is not restored.
      var items = [];
      for (var i = 0; i < state.items.length; i++) {
        var item = state.items[i];
        var next = state.items[i + 1];
        if (item.role === "bot") items.push(item);
        else if (item.role === "user" && next && next.role === "bot") items.push(item);
      }
      window.sessionStorage.setItem(
        STORE_KEY,
        JSON.stringify({ items: items.slice(-MAX_STORED), open: state.open })
      );
    } catch (e) { /* storage full or blocked: history just isn't kept */ }
  }

  // ---------------------------------------------------------------- state & layout --

  var limitsReady = fetchLimits();
  var saved = loadHistory();
  var state = { items: saved.items, open: false, busy: false };
  var ui = {};

  function build() {
    var host = document.createElement(TAG);
    host.id = TAG;
    if (data.accent && window.CSS && CSS_supports("color", data.accent)) {
      host.style.setProperty("--rag-accent", data.accent);
    }
    var shadow = host.attachShadow({ mode: "open" });
    applyStyles(shadow);

    var uid = TAG + "-" + Math.random().toString(36).slice(2, 8);

    ui.launcherText = h("span", { class: "launcher-text" }, t("launcher"));
    ui.launcher = h("button", {
      class: "launcher", type: "button", part: "launcher",
      "aria-label": t("openLabel"), "aria-expanded": "false", "aria-controls": uid + "-panel",
      onclick: function () { toggle(); },
    }, [icon("chat", "icon-chat"), icon("chevron", "icon-close"), ui.launcherText]);

    ui.reset = h("button", {
      class: "hbtn", type: "button", "aria-label": t("reset"), title: t("reset"),
      onclick: function () { resetConversation(); },
    }, icon("reset"));
    ui.close = h("button", {
      class: "hbtn", type: "button", "aria-label": t("closeLabel"), "aria-expanded": "false",
      "aria-controls": uid + "-panel", title: t("close"),
      onclick: function () { close(); },
    }, icon("close"));

    var titleEl = h("h2", { class: "title" }, TITLE);
    setDir(titleEl, TITLE);
    var header = h("div", { class: "header", part: "header" }, [
      h("div", { class: "avatar" }, icon("chat")),
      h("div", { class: "heading" }, [titleEl, h("p", { class: "subtitle" }, t("subtitle"))]),
      ui.reset,
      ui.close,
    ]);

    ui.log = h("div", {
      class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
      "aria-label": t("log"), tabindex: "0",
    });

    ui.input = h("textarea", {
      rows: "1", placeholder: PLACEHOLDER, "aria-label": PLACEHOLDER, maxlength: MAX_CHARS ? String(MAX_CHARS) : null,
      "aria-describedby": uid + "-hint", dir: dirOf(PLACEHOLDER) || CHROME_DIR, enterkeyhint: "send", autocomplete: "off",
    });
    ui.input.addEventListener("keydown", onInputKey);
    ui.input.addEventListener("input", onInput);
    ui.send = h("button", {
      class: "send", type: "submit", "aria-label": t("send"), title: t("send"),
    }, icon("send"));
    ui.form = h("form", { class: "composer", novalidate: true }, [
      h("div", { class: "inputrow" }, [ui.input, ui.send]),
      h("p", { class: "hint", id: uid + "-hint" }, t("hint")),
    ]);
    ui.form.addEventListener("submit", function (event) {
      event.preventDefault();
      submitInput();
    });

    ui.panel = h("div", {
      class: "panel", part: "panel", id: uid + "-panel", role: "dialog", "aria-modal": "false",
      "aria-label": TITLE,
    }, [header, ui.log, ui.form]);

    ui.root = h("div", { class: "root side-" + SIDE, dir: CHROME_DIR, lang: LANG }, [ui.launcher, ui.panel]);
    ui.root.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && state.open) {
        event.preventDefault();
        event.stopPropagation();
        close();
      }
    });
    applyTheme(ui.root);
    shadow.appendChild(ui.root);
    document.body.appendChild(host);
    ui.host = host;

    renderAll();
    updateSendState();
    if (saved.open || (data.open !== undefined && data.open !== "false")) open(false);
  }

  function CSS_supports(prop, value) {
    try { return window.CSS.supports(prop, value); } catch (e) { return false; }
  }

  // ---------------------------------------------------------------- open / close --

  function open(focus) {
    state.open = true;
    ui.root.classList.add("open");
    ui.launcher.setAttribute("aria-expanded", "true");
    ui.launcher.setAttribute("aria-label", t("closeLabel"));
    ui.close.setAttribute("aria-expanded", "true");
    scrollToEnd();
    if (focus !== false) ui.input.focus();
    saveHistory();
  }

  function close() {
    state.open = false;
    ui.root.classList.remove("open");
    ui.launcher.setAttribute("aria-expanded", "false");
    ui.launcher.setAttribute("aria-label", t("openLabel"));
    ui.close.setAttribute("aria-expanded", "false");
    ui.launcher.focus();
    saveHistory();
  }

  function toggle() {
    if (state.open) close();
    else open();
  }

  // ---------------------------------------------------------------- input --

  function onInputKey(event) {
    if (event.key !== "Enter" || event.shiftKey) return;
    if (event.isComposing || event.keyCode === 229) return; // an IME is composing text
    event.preventDefault(); // Enter sends; it never inserts a newline
    submitInput();
  }

  function onInput() {
    // The box runs in the direction of what is typed; empty, in that of its placeholder.
    var dir = dirOf(ui.input.value) || dirOf(PLACEHOLDER);
    ui.input.setAttribute("dir", dir || CHROME_DIR);
    autosize();
    updateSendState();
  }

  function autosize() {
    ui.input.style.height = "auto";
    ui.input.style.height = Math.min(ui.input.scrollHeight, 132) + "px";
  }

  function updateSendState() {
    ui.send.disabled = state.busy || !ui.input.value.trim();
    ui.send.setAttribute("aria-disabled", ui.send.disabled ? "true" : "false");
  }

  function submitInput() {
    if (state.busy) return;
    var question = ui.input.value.trim();
    if (!question) return;
    ui.input.value = "";
    onInput();
    ask(question);
  }

  function setBusy(busy) {
    state.busy = busy;
    ui.log.setAttribute("aria-busy", busy ? "true" : "false");
    ui.input.setAttribute("aria-busy", busy ? "true" : "false");
    var buttons = ui.log.querySelectorAll(".suggestion, .retry");
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = busy;
    updateSendState();
  }

  // ---------------------------------------------------------------- asking --

  function ask(question, retryOf) {
    if (state.busy) return;
    var inPlace = retryOf && retryOf === ui.log.lastElementChild;
    if (retryOf) retryOf.remove();
    if (!inPlace) {
      clearWelcome();
      var item = { role: "user", text: question };
      state.items.push(item);
      ui.log.appendChild(renderUser(item));
    }
    var questionEl = ui.log.lastElementChild;
    setBusy(true);
    var loading = renderLoading();
    ui.log.appendChild(loading);
    scrollToEnd();

    request(question).then(function (response) {
      loading.remove();
      var item = { role: "bot", data: response };
      state.items.push(item);
      ui.log.appendChild(renderBot(item));
      saveHistory();
      scrollToMessage(questionEl);
    }, function (error) {
      loading.remove();
      ui.log.appendChild(renderError(error, question));
      scrollToEnd();
    }).then(function () {
      setBusy(false);
      ui.reset.hidden = !state.items.length;
      if (state.open && !isTouch()) ui.input.focus();
    });
  }

  /** POST /ask with a timeout. Resolves with the response JSON, rejects with {kind, ...}. */
  function request(question) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timedOut = false;
    var timer = setTimeout(function () {
      timedOut = true;
      if (controller) controller.abort();
    }, TIMEOUT_MS);
    var headers = { "Content-Type": "application/json", Accept: "application/json" };
    if (API_KEY) headers["X-API-Key"] = API_KEY;

    return limitsReady.then(function () {
      return new Promise(function (resolve, reject) {
        if (!controller) {
          // Without AbortController the request can't be cancelled, but the timeout still fires.
          setTimeout(function () { reject({ kind: "timeout" }); }, TIMEOUT_MS);
        }
        fetch(ENDPOINT + "/ask", {
          method: "POST",
          mode: "cors",
          credentials: "omit",
          headers: headers,
          body: JSON.stringify(askBody(question)),
          signal: controller ? controller.signal : undefined,
        }).then(function (res) {
          return res.text().then(function (body) {
            var json = null;
            try { json = body ? JSON.parse(body) : null; } catch (e) { json = null; }
            if (!res.ok) {
              reject({
                kind: "http",
                status: res.status,
                detail: detailOf(json),
                retryAfter: parseInt(res.headers.get("Retry-After") || "", 10),
              });
            } else if (!isAskResponse(json)) {
              reject({ kind: "bad" });
            } else {
              resolve(json);
            }
          });
        }).catch(function (error) {
          reject({ kind: timedOut || (error && error.name === "AbortError") ? "timeout" : "network" });
        }).then(function () {
          clearTimeout(timer);
        });
      });
    });
  }

  function detailOf(json) {
    if (!json || json.detail === undefined || json.detail === null) return "";
    var d = json.detail;
    if (typeof d === "string") return d.slice(0, 400);
    if (Array.isArray(d)) {
      return d.map(function (e) { return e && typeof e.msg === "string" ? e.msg : String(e); })
        .join("; ").slice(0, 400);
    }
    try { return JSON.stringify(d).slice(0, 400); } catch (e) { return ""; }
  }

  function isAskResponse(json) {
    return !!json && typeof json === "object" && Array.isArray(json.passages);
  }

  // ---------------------------------------------------------------- rendering --

  function renderAll() {
    ui.log.textContent = "";
    if (!state.items.length) {
      ui.log.appendChild(renderWelcome());
    } else {
      state.items.forEach(function (item) {
        ui.log.appendChild(item.role === "user" ? renderUser(item) : renderBot(item));
      });
    }
    ui.reset.hidden = !state.items.length;
  }

  function renderWelcome() {
    var children = [
      h("div", { class: "badge" }, icon("spark")),
      h("h3", null, t("welcomeTitle")),
      h("p", null, t("welcomeText")),
    ];
    var wrap = h("div", { class: "welcome" }, children);
    if (!SUGGESTIONS.length) return wrap;
    var list = h("div", { class: "suggestions", role: "group", "aria-label": t("tryAsking") });
    SUGGESTIONS.forEach(function (text) {
      var b = h("button", {
        class: "suggestion", type: "button",
        onclick: function () { ask(text); },
      }, text);
      setDir(b, text);
      list.appendChild(b);
    });
    return h("div", { class: "intro" }, [
      wrap,
      h("p", { class: "suggestions-label", "aria-hidden": "true" }, t("tryAsking")),
      list,
    ]);
  }

  function clearWelcome() {
    var intro = ui.log.querySelector(".intro, .welcome");
    if (intro) intro.remove();
  }

  function resetConversation() {
    if (state.busy) return;
    state.items = [];
    saveHistory();
    renderAll();
    ui.input.focus();
  }

  function renderUser(item) {
    var bubble = h("div", { class: "bubble" }, item.text);
    setDir(bubble, item.text);
    return h("div", { class: "msg user" }, [h("span", { class: "sr" }, t("you") + ": "), bubble]);
  }

  function renderLoading() {
    return h("div", { class: "msg bot pending" }, h("div", { class: "card loading", role: "status" }, [
      h("span", { class: "dots", "aria-hidden": "true" }, [h("span"), h("span"), h("span")]),
      h("span", null, t("loading")),
    ]));
  }

  function renderError(error, question) {
    var message;
    var detail = "";
    if (error.kind === "timeout") message = t("errTimeout");
    else if (error.kind === "network") message = t("errNetwork");
    else if (error.kind === "bad") message = t("errBadResponse");
    else if (error.status === 429) {
      message = error.retryAfter > 0 ? t("errRateLimitWait", { s: error.retryAfter }) : t("errRateLimit");
    } else if (error.status === 401 || error.status === 403) {
      message = t("errAuth");
      detail = error.detail;
    } else if (error.status >= 400 && error.status < 500) {
      message = t("errClient");
      detail = error.detail;
    } else if (error.status === 503) {
      message = t("errUnavailable", { status: error.status });
      detail = error.detail;
    } else {
      message = t("errServer", { status: error.status });
    }
    var body = h("div", null, [h("p", null, message)]);
    if (detail) body.appendChild(setDir(h("p", { class: "detail" }, detail), detail));
    var canRetry = !(error.kind === "http" && error.status >= 400 && error.status < 500 && error.status !== 429 && error.status !== 408);
    var msg = h("div", { class: "msg bot failed" });
    if (canRetry) {
      body.appendChild(h("button", {
        class: "retry", type: "button",
        onclick: function () { ask(question, msg); },
      }, t("retry")));
    }
    msg.appendChild(h("div", { class: "error" }, [icon("alert"), body]));
    return msg;
  }

  function renderBot(item) {
    var res = item.data || {};
    var passages = Array.isArray(res.passages) ? res.passages.filter(function (p) { return p && typeof p === "object"; }) : [];
    var card = h("div", { class: "card" });
    var answer = res.answer && typeof res.answer.text === "string" && res.answer.text.trim() ? res.answer : null;

    if (answer) {
      var text = h("p", { class: "answer-text" }, answer.text);
      setDir(text, answer.text);
      (Array.isArray(answer.citations) ? answer.citations : []).forEach(function (n) {
        var passage = passages.filter(function (p) { return p.rank === n; })[0] || passages[n - 1];
        if (!passage) return;
        var c = passage.citation || {};
        var label = t("source", { n: n }) + ": " + citationLabel(c);
        var href = documentUrl(c);
        text.appendChild(href
          ? h("a", { class: "cite-ref", href: href, target: "_blank", rel: "noopener", "aria-label": label, title: label }, String(n))
          : h("span", { class: "cite-ref", title: label }, String(n)));
      });
      card.appendChild(h("div", { class: "answer" }, [
        h("p", { class: "label" }, [icon("spark"), t("answer")]),
        text,
      ]));
    } else {
      card.appendChild(h("div", { class: "noanswer", role: "note" }, [
        icon("info"),
        h("div", null, [
          h("strong", null, t("noAnswerTitle")),
          h("p", null, passages.length ? t("noAnswerText") : t("noPassages")),
        ]),
      ]));
    }

    if (passages.length) {
      var list = h("ol", { class: "passages" });
      passages.forEach(function (p, i) {
        list.appendChild(renderPassage(p, i, !!answer));
      });
      card.appendChild(h("div", { class: "sources" }, [
        h("p", { class: "label" }, [icon("quote"), t("sources")]),
        list,
      ]));
    }
    if (typeof res.id === "string" && res.id) card.appendChild(renderFeedback(item));
    return h("div", { class: "msg bot" }, card);
  }

  // ---------------------------------------------------------------- feedback --

  /** "Was this helpful?" with two toggle buttons; a later vote replaces the earlier one. */
  function renderFeedback(item) {
    var status = h("p", { class: "feedback-status", role: "status", "aria-live": "polite" });
    var buttons = [];
    function vote(helpful) {
      buttons.forEach(function (b) { b.disabled = true; });
      status.textContent = "";
      status.classList.remove("error");
      sendFeedback(item.data.id, helpful).then(function () {
        item.vote = helpful;
        saveHistory();
        paint();
        status.textContent = t("feedbackThanks");
      }, function () {
        status.textContent = t("feedbackError");
        status.classList.add("error");
      }).then(function () {
        buttons.forEach(function (b) { b.disabled = false; });
      });
    }
    function button(helpful) {
      var label = helpful ? t("helpful") : t("notHelpful");
      return h("button", {
        class: "vote " + (helpful ? "vote-up" : "vote-down"), type: "button", "aria-pressed": "false",
        onclick: function () { vote(helpful); },
      }, [icon("thumb", helpful ? null : "icon-down"), h("span", null, label)]);
    }
    buttons = [button(true), button(false)];
    function paint() {
      buttons[0].setAttribute("aria-pressed", item.vote === true ? "true" : "false");
      buttons[1].setAttribute("aria-pressed", item.vote === false ? "true" : "false");
    }
    paint();
    var prompt = h("span", { class: "feedback-prompt" }, t("feedbackPrompt"));
    var group = h("div", { class: "feedback", role: "group", dir: CHROME_DIR, lang: LANG }, [prompt].concat(buttons));
    prompt.id = "rag-fb-" + item.data.id;
    group.setAttribute("aria-labelledby", prompt.id);
    return h("div", { class: "feedback-wrap" }, [group, status]);
  }

  function sendFeedback(id, helpful) {
    var headers = { "Content-Type": "application/json", Accept: "application/json" };
    if (API_KEY) headers["X-API-Key"] = API_KEY;
    return fetch(ENDPOINT + "/feedback", {
      method: "POST", mode: "cors", credentials: "omit", headers: headers,
      body: JSON.stringify({ id: id, helpful: helpful }),
    }).then(function (res) {
      if (!res.ok) throw new Error("feedback " + res.status);
    });
  }

  function citationLabel(c) {
    var parts = [];
    if (c.title) parts.push(String(c.title));
    if (c.section) parts.push(String(c.section));
    if (c.paragraph) parts.push(t("paragraphLong", { n: c.paragraph }));
    else if (citationPlace(c)) parts.push(citationPlace(c));
    if (publishedDate(c)) parts.push(publishedDate(c));
    return parts.join(" · ") || String(c.id || "");
  }

  /** The citation's publication day, "2024-05-14", or "" when unknown or malformed. */
  function publishedDate(c) {
    var m = /^(\d{4}-\d{2}-\d{2})/.exec(typeof c.published === "string" ? c.published : "");
    return m ? m[1] : "";
  }

  /** Where in the document a citation points: "¶ 12", or the byline for "who wrote this?". */
  function citationPlace(c) {
    if (typeof c.paragraph === "number" && c.paragraph > 0) return t("paragraph", { n: c.paragraph });
    if (/#author$/.test(String(c.id || ""))) return t("byline");
    return "";
  }

  /** The document link for a citation, on the API's origin; only http(s) URLs are used. */
  function documentUrl(c) {
    var path = typeof c.url === "string" && c.url
      ? c.url
      : c.document ? "/documents/" + encodeURIComponent(c.document) + (c.paragraph ? "#p" + c.paragraph : "") : "";
    if (!path) return null;
    try {
      var url = path.charAt(0) === "/" && path.charAt(1) !== "/"
        ? new URL(ENDPOINT + path)
        : new URL(path, ENDPOINT + "/");
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function renderPassage(p, index, hasAnswer) {
    var c = p.citation && typeof p.citation === "object" ? p.citation : {};
    var rank = typeof p.rank === "number" ? p.rank : index + 1;
    var text = typeof p.text === "string" ? p.text : "";
    var highlight = typeof p.highlight === "string" ? p.highlight : "";

    var title = c.title ? String(c.title) : String(c.document || "");
    var section = c.section ? String(c.section) : "";
    var meta = h("span", { class: "chip-meta" });
    if (section) meta.appendChild(setDir(h("span", { class: "chip-section" }, section), section));
    if (section && citationPlace(c)) meta.appendChild(h("span", { class: "chip-sep", "aria-hidden": "true" }, "·"));
    var where = citationPlace(c);
    if (where) meta.appendChild(h("span", { class: "chip-para", dir: CHROME_DIR, lang: LANG }, where));
    var date = publishedDate(c);
    if (date) {
      if (meta.childNodes.length) meta.appendChild(h("span", { class: "chip-sep", "aria-hidden": "true" }, "·"));
      meta.appendChild(h("time", { class: "chip-date", datetime: date, dir: "ltr" }, date));
    }
    var body = h("span", { class: "chip-body" }, [
      title ? setDir(h("span", { class: "chip-title" }, title), title) : null,
      meta.childNodes.length ? meta : null,
    ]);
    var href = documentUrl(c);
    var label = citationLabel(c);
    var chip = href
      ? h("a", { class: "chip", href: href, target: "_blank", rel: "noopener", title: label, "aria-label": label + " " + t("opensNewTab") },
        [icon("doc"), body, icon("external", "icon-ext")])
      : h("span", { class: "chip", title: label }, [icon("doc"), body]);
    setDir(chip, title || section || label);

    var quote = h("blockquote", { class: "passage-text" });
    setDir(quote, text);
    var li = h("li", { class: "passage", "data-rank": String(rank) }, [
      h("div", { class: "passage-head" }, [h("span", { class: "rank", "aria-hidden": "true" }, String(rank)), chip]),
      quote,
    ]);

    var range = findHighlight(text, highlight);
    var short = excerptRange(text, range);
    // The best passage is shown whole when there is an answer; the others as an excerpt
    // around their highlighted sentence, with a button to show the whole paragraph.
    var expanded = !short || (hasAnswer && index === 0);
    var toggle = null;
    function paint() {
      quote.textContent = "";
      fillText(quote, text, range, expanded ? null : short);
      if (toggle) {
        toggle.textContent = expanded ? t("showLess") : t("showMore");
        toggle.setAttribute("aria-expanded", expanded ? "true" : "false");
      }
    }
    if (short) {
      toggle = h("button", {
        class: "toggle", type: "button",
        onclick: function () { expanded = !expanded; paint(); },
      });
      li.appendChild(toggle);
    }
    paint();
    return li;
  }

  /** [start, end) of the highlight sentence inside the passage text, or null. */
  function findHighlight(text, highlight) {
    var hl = highlight.trim();
    if (!hl || !text) return null;
    var i = text.indexOf(hl);
    if (i >= 0) return [i, i + hl.length];
    // Tolerate whitespace differences (e.g. collapsed double spaces).
    var pattern = hl.split(/\s+/).map(function (w) {
      return w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }).join("\\s+");
    try {
      var m = new RegExp(pattern).exec(text);
      if (m) return [m.index, m.index + m[0].length];
    } catch (e) { /* not found */ }
    return null;
  }

  /** For a long passage, the [start, end) to show collapsed: the highlight with some context. */
  function excerptRange(text, range) {
    var LIMIT = 300;
    if (text.length <= LIMIT + 60) return null;
    var start = range ? range[0] : 0;
    var end = range ? range[1] : 0;
    var room = Math.max(60, LIMIT - (end - start));
    start = Math.max(0, start - Math.floor(room / 3));
    end = Math.min(text.length, end + Math.ceil((room * 2) / 3));
    // Snap to word boundaries so no word is cut in half.
    if (start > 0) {
      var space = text.indexOf(" ", start);
      if (space >= 0 && (!range || space < range[0])) start = space + 1;
    }
    if (end < text.length) {
      var back = text.lastIndexOf(" ", end);
      if (back > (range ? range[1] : start)) end = back;
    }
    if (start === 0 && end >= text.length) return null;
    return [start, end];
  }

  /** Fill el with text (or the slice `limit` of it), wrapping only the highlight in <mark>. */
  function fillText(el, text, range, limit) {
    var from = limit ? limit[0] : 0;
    var to = limit ? limit[1] : text.length;
    if (from > 0) el.appendChild(h("span", { class: "ellipsis", "aria-hidden": "true" }, "… "));
    if (range && range[0] >= from && range[1] <= to) {
      el.appendChild(document.createTextNode(text.slice(from, range[0])));
      el.appendChild(h("mark", null, text.slice(range[0], range[1])));
      el.appendChild(document.createTextNode(text.slice(range[1], to)));
    } else {
      el.appendChild(document.createTextNode(text.slice(from, to)));
    }
    if (to < text.length) el.appendChild(h("span", { class: "ellipsis", "aria-hidden": "true" }, " …"));
  }

  // ---------------------------------------------------------------- scrolling --

  function scrollToEnd() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  /** Bring a new answer into view from its question, so a long answer is read from the top. */
  function scrollToMessage(el) {
    if (!el) return scrollToEnd();
    ui.log.scrollTop = Math.max(0, el.offsetTop - 12);
  }

  function isTouch() {
    return window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
  }

  // ---------------------------------------------------------------- start --

  if (document.body) build();
  else document.addEventListener("DOMContentLoaded", build);
})();
