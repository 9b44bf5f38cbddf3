import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// The interactive reference at /docs is Swagger UI, served from the installed swagger-ui-dist package (no
// CDN, so it works offline and behind strict networks). Its Authorize button takes an API key, and every
// "Try it out" request then carries it.

export const DOCS_ASSETS = ['swagger-ui-bundle.js', 'swagger-ui.css'] as const;
export type DocsAsset = (typeof DOCS_ASSETS)[number];

const CONTENT_TYPES: Record<DocsAsset, string> = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
};

const DIST_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const cache = new Map<DocsAsset, Promise<string>>();

export const isDocsAsset = (name: string): name is DocsAsset =>
  (DOCS_ASSETS as readonly string[]).includes(name);

/** One of the page's files, read from the package once per process. */
export async function docsAsset(name: DocsAsset): Promise<{ body: string; contentType: string }> {
  let body = cache.get(name);
  if (!body) {
    body = readFile(join(DIST_DIR, name), 'utf8');
    cache.set(name, body);
  }
  return { body: await body, contentType: CONTENT_TYPES[name] };
}

// Relative URLs, so the page also works behind a proxy that mounts the API under a prefix.
export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hindsight API reference</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
<style>body { margin: 0; } .swagger-ui .topbar { display: none; }</style>
</head>
<body>
<noscript><p>This page renders <a href="openapi.json">/openapi.json</a>; enable JavaScript, or read that document directly.</p></noscript>
<div id="reference"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({
  url: 'openapi.json',
  dom_id: '#reference',
  deepLinking: true,
  persistAuthorization: true,
  displayRequestDuration: true,
  defaultModelsExpandDepth: 0,
});
</script>
</body>
</html>
`;
