/**
 * The fetch() family inside the sandbox, bundled as the internal module 'islet:fetch' and made
 * globals lazily by ../globals.ts: fetch, Request, Response, Headers, AbortController, AbortSignal,
 * FormData, Blob, File and DOMException.
 */
import { AbortController, AbortSignal } from './abort';
import { Blob, File } from './blob';
import { Body, BodyStream } from './body';
import { DOMException } from './dom-exception';
import { fetch } from './fetch';
import { FormData } from './form-data';
import { Headers } from './headers';
import { Request } from './request';
import { Response } from './response';

// The bundle is minified: give functions back the names code and stack traces expect.
for (const [name, fn] of Object.entries({
  AbortController,
  AbortSignal,
  Blob,
  File,
  Body,
  ReadableStream: BodyStream,
  DOMException,
  fetch,
  FormData,
  Headers,
  Request,
  Response,
})) {
  Object.defineProperty(fn, 'name', { value: name, configurable: true });
}

export {
  AbortController,
  AbortSignal,
  Blob,
  DOMException,
  File,
  FormData,
  fetch,
  Headers,
  Request,
  Response,
};
