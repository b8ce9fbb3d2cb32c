// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("select[data-autosubmit]")) {
      target.form.submit();
    } else if (target.matches("select[data-navigate]")) {
      window.location.href = target.value;
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();

// ---- Rich-text paste into the review editor (issue 5) --------------------------------------
// Notion and Google Docs put HTML on the clipboard. When it has real structure, the server
// converts it (POST /markdown/from-html/, the same converter as blog imports) and the Markdown
// goes in at the cursor; on any failure the plain text goes in, as a normal paste would.
(function () {
  "use strict";
  var ENDPOINT = "/markdown/from-html/";
  // Code editors (VS Code) also copy HTML, but only divs and spans: that paste stays plain.
  var RICH = /<(h[1-6]|p|ul|ol|li|table|strong|b|em|i|a|img|pre|blockquote)[\s>]/i;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function insert(area, text, start, end) {
    area.focus();
    area.setSelectionRange(start, end);
    // execCommand keeps the browser's undo history; setRangeText is the fallback.
    if (!document.execCommand || !document.execCommand("insertText", false, text)) {
      area.setRangeText(text, start, end, "end");
      area.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  // The pasted images the server could not keep (left as links), said under the text box.
  function showImageProblems(area, header) {
    var old = area.parentNode.querySelector(".editor-paste-note");
    if (old) {
      old.remove();
    }
    var messages = [];
    try {
      messages = header ? JSON.parse(decodeURIComponent(header)) : [];
    } catch (error) {
      messages = [];
    }
    if (!messages.length) {
      return;
    }
    var note = document.createElement("ul");
    note.className = "field-error editor-paste-note";
    note.setAttribute("role", "alert");
    messages.forEach(function (message) {
      var item = document.createElement("li");
      item.textContent = message;
      note.appendChild(item);
    });
    area.insertAdjacentElement("afterend", note);
  }

  document.addEventListener("paste", function (event) {
    var area = event.target;
    var data = event.clipboardData;
    if (!data || !area.matches || !area.matches("textarea.editor-text")) {
      return;
    }
    if (event.defaultPrevented) {
      return; // an image paste, uploaded by the handler below
    }
    var html = data.getData("text/html");
    if (!html || !RICH.test(html)) {
      return;
    }
    event.preventDefault();
    var plain = data.getData("text/plain");
    var start = area.selectionStart;
    var end = area.selectionEnd;
    var body = new FormData();
    var problems = "";
    body.append("html", html);
    fetch(ENDPOINT, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
    })
      .then(function (response) {
        problems = response.headers.get("X-Image-Problems") || "";
        return response.ok ? response.text() : Promise.reject(response.status);
      })
      .then(
        function (markdown) {
          insert(area, markdown.replace(/\n+$/, ""), start, end);
          showImageProblems(area, problems);
        },
        function () {
          insert(area, plain, start, end);
        }
      );
  });
})();

// ---- Images pasted or dropped into the review editor (issue 12) ---------------------------
// Each image is uploaded to the form's data-image-upload address (same limits as imports);
// the address of the stored image comes back and "![](url)" goes in at the cursor. A refused
// image leaves the text as it was, and the server's reason shows under the text box.
// Registered before the rich-text paste above runs (capture), so a copied image that also
// brings HTML is uploaded, not converted.
(function () {
  "use strict";

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function editorOf(target) {
    var area = target && target.closest ? target.closest("textarea.editor-text") : null;
    return area && area.form && area.form.getAttribute("data-image-upload") ? area : null;
  }

  function imagesOf(transfer) {
    return Array.prototype.filter.call((transfer && transfer.files) || [], function (file) {
      return /^image\//.test(file.type);
    });
  }

  function say(area, message) {
    var note = area.parentNode.querySelector(".editor-upload-error");
    if (!message) {
      if (note) {
        note.remove();
      }
      return;
    }
    if (!note) {
      note = document.createElement("p");
      note.className = "field-error editor-upload-error";
      note.setAttribute("role", "alert");
      area.insertAdjacentElement("afterend", note);
    }
    note.textContent = message;
  }

  function insert(area, text, start, end) {
    area.focus();
    area.setSelectionRange(start, end);
    if (!document.execCommand || !document.execCommand("insertText", false, text)) {
      area.setRangeText(text, start, end, "end");
      area.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function uploadOne(area, file) {
    var body = new FormData();
    body.append("image", file, file.name || "image");
    return fetch(area.form.getAttribute("data-image-upload"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    }).then(
      function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (answer) {
            if (response.ok && answer.url) {
              return answer.url;
            }
            say(area, answer.error || response.status + " " + response.statusText);
            return "";
          });
      },
      function () {
        say(area, area.form.getAttribute("data-image-offline") || "");
        return "";
      }
    );
  }

  function upload(area, files, start, end) {
    var urls = [];
    say(area, "");
    // One at a time, in order: the images go in as they were pasted.
    files
      .reduce(function (chain, file) {
        return chain.then(function () {
          return uploadOne(area, file).then(function (url) {
            if (url) {
              urls.push("![](" + url + ")");
            }
          });
        });
      }, Promise.resolve())
      .then(function () {
        if (urls.length) {
          insert(area, urls.join("\n"), start, end);
        }
      });
  }

  document.addEventListener(
    "paste",
    function (event) {
      var area = editorOf(event.target);
      var files = area ? imagesOf(event.clipboardData) : [];
      if (!files.length) {
        return;
      }
      event.preventDefault();
      upload(area, files, area.selectionStart, area.selectionEnd);
    },
    true
  );

  document.addEventListener("dragover", function (event) {
    if (editorOf(event.target) && event.dataTransfer && event.dataTransfer.types) {
      if (Array.prototype.indexOf.call(event.dataTransfer.types, "Files") !== -1) {
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
      }
    }
  });

  document.addEventListener("drop", function (event) {
    var area = editorOf(event.target);
    var files = area ? imagesOf(event.dataTransfer) : [];
    if (!files.length) {
      return;
    }
    event.preventDefault();
    // Dropped where the cursor is: browsers do not move it to the drop point for files.
    upload(area, files, area.selectionStart, area.selectionEnd);
  });
})();

// ---- "Comment on this section" (issue 12) ---------------------------------------------------
// Without JavaScript the link reloads the page with ?section=<key> and the form preselected;
// with it, the section is chosen in place and the comment box takes the focus.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-comment-section]");
    var form = document.getElementById("comment-form");
    if (!link || !form) {
      return;
    }
    var select = form.querySelector("select[name=section]");
    var body = form.querySelector("textarea[name=body]");
    if (!select || !body) {
      return;
    }
    event.preventDefault();
    select.value = link.getAttribute("data-comment-section");
    form.scrollIntoView({ block: "center" });
    body.focus();
  });
})();

// ---- The editor's preview says why it cannot render (issue 12) ----------------------------
// A section the server refuses (over the size limit) comes back as a 400 holding the reason,
// which takes the preview's place; a server error or a lost connection gets the message the
// page carries (translated) instead of a preview that silently stays blank or stale.
(function () {
  "use strict";

  function isPreview(element) {
    return Boolean(element && element.matches && element.matches(".editor-preview .preview"));
  }

  function say(preview, attribute) {
    var form = preview.closest("form");
    var note = document.createElement("p");
    note.className = "preview-error";
    note.setAttribute("role", "alert");
    note.textContent = (form && form.getAttribute(attribute)) || "";
    preview.replaceChildren(note);
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (!isPreview(detail.target)) {
      return;
    }
    if (detail.xhr.status === 400) {
      // The server's reason, rendered (and escaped) by its template.
      detail.shouldSwap = true;
      detail.isError = false;
    } else if (detail.xhr.status >= 400) {
      detail.shouldSwap = false;
      detail.isError = false; // handled here: said on the page
      say(detail.target, "data-preview-failed");
    }
  });

  function offline(event) {
    if (isPreview(event.detail.target)) {
      say(event.detail.target, "data-preview-offline");
    }
  }

  document.addEventListener("htmx:sendError", offline);
  document.addEventListener("htmx:timeout", offline);
})();
