// Node's `url` module inside the sandbox: the legacy API from the `url` port, plus the WHATWG URL
// classes and the file-URL helpers, which Node's module also exports. The WHATWG part is loaded
// only when first used (it is large).
const legacy = require('url/');

const whatwg = () => require('islet:whatwg-url');

function fileURLToPath(input) {
  const url = typeof input === 'string' ? new (whatwg().URL)(input) : input;
  if (url?.protocol !== 'file:') {
    const err = new TypeError('The URL must be of scheme file');
    err.code = 'ERR_INVALID_URL_SCHEME';
    throw err;
  }
  if (url.hostname !== '') throw new TypeError('File URL host must be "localhost" or empty on linux');
  if (/%2f/i.test(url.pathname)) throw new TypeError('File URL path must not include encoded / characters');
  return decodeURIComponent(url.pathname);
}

function pathToFileURL(path) {
  const encoded = String(path)
    .split('/')
    .map((part) => encodeURIComponent(part))
    .join('/');
  return new (whatwg().URL)(`file://${encoded.startsWith('/') ? '' : '/var/task/'}${encoded}`);
}

module.exports = { ...legacy, fileURLToPath, pathToFileURL };
for (const name of ['URL', 'URLSearchParams']) {
  Object.defineProperty(module.exports, name, { enumerable: true, get: () => whatwg()[name] });
}
