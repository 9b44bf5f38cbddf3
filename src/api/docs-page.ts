// The interactive reference at /docs: a small self-contained viewer of /openapi.json (no CDN, so it works
// offline and behind strict networks). Schemas are shown as JSON; each operation can be tried from the page.
export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hindsight API reference</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f7f8fa; }
  header { background: #1d2330; color: #fff; padding: 16px 24px; }
  header h1 { margin: 0; font-size: 20px; }
  header p { margin: 4px 0 0; color: #c9cfdb; font-size: 14px; }
  main { max-width: 1000px; margin: 0 auto; padding: 16px 24px 48px; }
  h2 { margin: 28px 0 8px; font-size: 18px; }
  details { background: #fff; border: 1px solid #dde1e8; border-radius: 6px; margin: 6px 0; }
  summary { cursor: pointer; padding: 8px 12px; display: flex; gap: 12px; align-items: baseline; }
  .method { font: 600 12px monospace; text-transform: uppercase; width: 56px; text-align: center;
    border-radius: 4px; padding: 2px 0; color: #fff; flex: none; }
  .get { background: #2f7d4f; } .post { background: #2b62b8; } .patch { background: #9a6a12; } .delete { background: #b23a3a; }
  .path { font-family: monospace; font-weight: 600; }
  .summary { color: #5a6376; }
  .body { padding: 4px 16px 12px; border-top: 1px solid #eef0f4; }
  pre { background: #f2f4f7; padding: 8px; border-radius: 4px; overflow: auto; font-size: 12px; max-height: 320px; }
  table { border-collapse: collapse; font-size: 13px; } td, th { text-align: left; padding: 2px 12px 2px 0; vertical-align: top; }
  code { font-size: 13px; } input, textarea { font: 12px monospace; width: 100%; box-sizing: border-box; }
  button { margin-top: 6px; } #error { color: #b23a3a; }
</style>
</head>
<body>
<header><h1>Hindsight API reference</h1><p id="info">Loading <a href="openapi.json" style="color:#fff">openapi.json</a>…</p></header>
<main>
<noscript><p>This page renders <a href="openapi.json">/openapi.json</a>; enable JavaScript, or read that document directly.</p></noscript>
<p><label>API key (only if the server requires one): <input id="key" type="password" autocomplete="off" style="width:320px"></label></p>
<p id="error"></p>
<div id="routes"></div>
</main>
<script>
(function () {
  var esc = function (s) { return String(s).replace(/[&<>"]/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]; }); };
  var keyInput = document.getElementById('key');
  keyInput.value = sessionStorage.getItem('hindsight-key') || '';
  keyInput.addEventListener('change', function () { sessionStorage.setItem('hindsight-key', keyInput.value); load(); });
  function headers() { var h = { 'content-type': 'application/json' }; if (keyInput.value) h.authorization = 'Bearer ' + keyInput.value; return h; }
  function render(doc) {
    document.getElementById('info').textContent = doc.info.title + ' ' + doc.info.version + ' — OpenAPI ' + doc.openapi;
    var byTag = {};
    Object.keys(doc.paths).forEach(function (path) {
      Object.keys(doc.paths[path]).forEach(function (method) {
        var op = doc.paths[path][method];
        var tag = (op.tags && op.tags[0]) || 'Other';
        (byTag[tag] = byTag[tag] || []).push({ path: path, method: method, op: op });
      });
    });
    var html = '';
    Object.keys(byTag).forEach(function (tag) {
      html += '<h2>' + esc(tag) + '</h2>';
      byTag[tag].forEach(function (r, i) {
        var op = r.op;
        html += '<details><summary><span class="method ' + r.method + '">' + r.method + '</span><span class="path">' + esc(r.path) +
          '</span><span class="summary">' + esc(op.summary || '') + '</span></summary><div class="body">';
        if (op.description) html += '<p>' + esc(op.description) + '</p>';
        if (op.parameters) {
          html += '<table><tr><th>parameter</th><th>in</th><th>schema</th></tr>';
          op.parameters.forEach(function (p) {
            html += '<tr><td><code>' + esc(p.name) + (p.required ? ' *' : '') + '</code></td><td>' + esc(p.in) + '</td><td><code>' + esc(JSON.stringify(p.schema)) + '</code></td></tr>';
          });
          html += '</table>';
        }
        if (op.requestBody) html += '<p>Request body</p><pre>' + esc(JSON.stringify(op.requestBody.content['application/json'].schema, null, 2)) + '</pre>';
        Object.keys(op.responses).forEach(function (status) {
          var res = op.responses[status];
          var content = res.content && res.content[Object.keys(res.content)[0]];
          html += '<p><b>' + esc(status) + '</b> ' + esc(res.description) + '</p>';
          if (content && content.schema && status < 400) html += '<pre>' + esc(JSON.stringify(content.schema, null, 2)) + '</pre>';
        });
        var id = 'try-' + tag + '-' + i;
        html += '<p>Try it: <input id="' + id + '-path" value="' + esc(r.path) + '"></p>';
        if (op.requestBody) html += '<textarea id="' + id + '-body" rows="4">{}</textarea>';
        html += '<button data-try="' + id + '" data-method="' + r.method + '" data-body="' + (op.requestBody ? 1 : 0) + '">Send</button><pre id="' + id + '-out" hidden></pre>';
        html += '</div></details>';
      });
    });
    document.getElementById('routes').innerHTML = html;
  }
  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('button[data-try]');
    if (!button) return;
    var id = button.getAttribute('data-try');
    var out = document.getElementById(id + '-out');
    var init = { method: button.getAttribute('data-method').toUpperCase(), headers: headers() };
    if (button.getAttribute('data-body') === '1') init.body = document.getElementById(id + '-body').value;
    out.hidden = false; out.textContent = '…';
    fetch(document.getElementById(id + '-path').value, init).then(function (res) {
      return res.text().then(function (text) { out.textContent = res.status + ' ' + res.statusText + '\\n\\n' + text.slice(0, 20000); });
    }).catch(function (err) { out.textContent = String(err); });
  });
  function load() {
    fetch('openapi.json', { headers: headers() }).then(function (res) {
      if (!res.ok) throw new Error('openapi.json answered ' + res.status + (res.status === 401 ? ': enter an API key above' : ''));
      return res.json();
    }).then(function (doc) { document.getElementById('error').textContent = ''; render(doc); })
      .catch(function (err) { document.getElementById('error').textContent = String(err.message || err); });
  }
  load();
})();
</script>
</body>
</html>
`;
