// Posts upvote forms with fetch() and updates them in place (no reload); without JS the forms post normally.
(function () {
  if (window.paperboyUpvote) return;
  window.paperboyUpvote = true;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-upvote]")) return;
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                        headers: {"Accept": "application/json", "X-Requested-With": "fetch"}})
      .then(function (response) {
        if (response.status === 401) { return response.json().then(function (d) { window.location = d.login_url; }); }
        if (!response.ok) { throw new Error(response.status === 429 ? "Too many votes, please wait a minute." : "Vote failed (" + response.status + ")."); }
        return response.json().then(function (data) {
          form.classList.toggle("voted", data.voted);
          form.querySelector("input[name=value]").value = data.voted ? "0" : "1";
          form.querySelector("[data-count]").textContent = data.count;
          form.querySelector(".upvote-label").textContent = data.voted ? "Upvoted" : "Upvote";
          button.setAttribute("aria-pressed", data.voted ? "true" : "false");
          button.classList.toggle("btn-primary", data.voted);
          button.title = data.voted ? "Remove your upvote" : "Upvote";
        });
      })
      .catch(function (error) { alert(error.message); })
      .finally(function () { button.disabled = false; });
  });
})();
