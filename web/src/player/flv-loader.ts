// The byte loader mpegts.js uses for HTTP-FLV, with one change from its own:
// the request is sent without credentials.
//
// Why: synctv's listener hands a connection to the live engine when the
// connection's first request is `GET /flv/…`; a request on a kept-alive
// connection that already carried API calls reaches the HTTP router
// instead, which does not stream FLV. Browsers keep credential-less
// requests in a connection pool of their own, and an FLV answer closes its
// connection, so a credential-less FLV request always opens a fresh
// connection. The stream needs no cookie: a room with a password puts a
// play token in the URL.

import type Mpegts from 'mpegts.js';

type MpegtsModule = typeof Mpegts;

const STATUS = { idle: 0, connecting: 1, buffering: 2, error: 3, complete: 4 } as const;

export function ownConnectionLoader(mpegts: MpegtsModule): Mpegts.CustomLoaderConstructor {
  return class OwnConnectionLoader extends mpegts.BaseLoader {
    private controller: AbortController | null = null;

    constructor() {
      super('own-connection-fetch');
      this._needStash = true;
    }

    open(source: Mpegts.MediaSegment, range: Mpegts.Range): void {
      const controller = new AbortController();
      this.controller = controller;
      this._status = STATUS.connecting;
      fetch(source.url, { credentials: 'omit', mode: 'cors', cache: 'no-store', signal: controller.signal })
        .then(async (res) => {
          if (!res.ok || !res.body) {
            this._status = STATUS.error;
            this.onError?.(loaderError(mpegts, 'HTTP_STATUS_CODE_INVALID'), { code: res.status, msg: res.statusText });
            return;
          }
          this._status = STATUS.buffering;
          const reader = res.body.getReader();
          let received = 0;
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            const chunk = value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength);
            const start = range.from + received;
            received += value.byteLength;
            this.onDataArrival?.(chunk as ArrayBuffer, start, received);
          }
          this._status = STATUS.complete;
          this.onComplete?.(range.from, range.from + received - 1);
        })
        .catch((e: unknown) => {
          if (controller.signal.aborted) return;
          this._status = STATUS.error;
          this.onError?.(loaderError(mpegts, 'EARLY_EOF'), { code: -1, msg: e instanceof Error ? e.message : String(e) });
        });
    }

    abort(): void {
      this.controller?.abort();
      this.controller = null;
      this._status = STATUS.complete;
    }

    destroy(): void {
      this.abort();
      super.destroy();
    }
  } as unknown as Mpegts.CustomLoaderConstructor;
}

/** mpegts.js types an error kind as the whole table of kinds; this is one entry of it. */
function loaderError(mpegts: MpegtsModule, kind: 'HTTP_STATUS_CODE_INVALID' | 'EARLY_EOF'): Mpegts.LoaderErrors {
  return mpegts.LoaderErrors[kind] as unknown as Mpegts.LoaderErrors;
}
