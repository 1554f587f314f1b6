/**
 * Serves the chat page and the client's browser bundle. A fixed table of files, no path from the
 * request ever reaches the file system.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const PUBLIC_DIR = new URL('../public/', import.meta.url);

const TYPES = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

/** The page's files in public/, each served at /<name>. A new panel's view module goes here. */
const PUBLIC_FILES = [
  'index.html',
  'app.js',
  'status-view.js',
  'notice-view.js',
  'message-view.js',
  'search-view.js',
  'presence-view.js',
  'style.css',
  'favicon.svg',
];

/**
 * Path of the client SDK's single-file browser build (packages/client/dist/hubbub.browser.min.js).
 * @returns {string}
 */
export function clientBundlePath() {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve('@hubbub/client/browser.bundle.js');
  } catch {
    return fileURLToPath(new URL('../../../packages/client/dist/hubbub.browser.min.js', import.meta.url));
  }
}

/** URL path → file on disk and content type. */
function fileTable(bundlePath) {
  const entry = (name) => ({
    file: fileURLToPath(new URL(name, PUBLIC_DIR)),
    type: TYPES[name.slice(name.lastIndexOf('.') + 1)],
    // The icon is fetched again on every URL change (a room switch changes the hash); cached, it
    // costs no request, and a server restart meanwhile cannot cut one short.
    cache: name === 'favicon.svg' ? 'public, max-age=86400' : 'no-cache',
  });
  return new Map([
    ['/', entry('index.html')],
    ...PUBLIC_FILES.map((name) => [`/${name}`, entry(name)]),
    // Browsers ask for /favicon.ico on their own; the SVG is the same icon.
    ['/favicon.ico', entry('favicon.svg')],
    ['/hubbub.js', { file: bundlePath, type: TYPES.js }],
  ]);
}

/**
 * Builds a request handler for the static files. It answers GET/HEAD for known paths and returns
 * false for anything else so the caller can route it.
 *
 * @param {{ bundlePath?: string }} [options]
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, pathname: string) => Promise<boolean>}
 */
export function createStaticHandler(options = {}) {
  const table = fileTable(options.bundlePath ?? clientBundlePath());
  return async (req, res, pathname) => {
    const entry = table.get(pathname);
    if (!entry || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    let body;
    try {
      body = await readFile(entry.file);
    } catch {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`missing ${pathname}: run \`npm run build\` at the repository root\n`);
      return true;
    }
    res.writeHead(200, {
      'content-type': entry.type,
      'content-length': body.length,
      'cache-control': entry.cache ?? 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
