// Puts a source into a <video>: mp4 and webm natively, m3u8 through hls.js
// (natively only where there is no Media Source Extensions, as on older
// iPhones), flv through mpegts.js.
// hls.js and mpegts.js are loaded only when a player needs them.

export type SourceKind = 'native' | 'hls' | 'flv';

export interface Source {
  kind: SourceKind;
  url: string;
  live: boolean;
}

/** Stops whatever `attach` started. */
export type Detach = () => void;

/** A fatal error of the player library, in its own words. */
export type OnError = (detail: string) => void;

export async function attach(video: HTMLVideoElement, source: Source, onError: OnError): Promise<Detach> {
  if (source.kind === 'native') return attachNative(video, source.url, onError);
  if (source.kind === 'hls') return attachHls(video, source, onError);
  return attachFlv(video, source, onError);
}

function attachNative(video: HTMLVideoElement, url: string, onError: OnError): Detach {
  const fail = () => onError(video.error?.message || `media error ${video.error?.code ?? ''}`.trim());
  video.addEventListener('error', fail);
  video.src = url;
  video.load();
  return () => {
    video.removeEventListener('error', fail);
    video.removeAttribute('src');
    video.load();
  };
}

async function attachHls(video: HTMLVideoElement, source: Source, onError: OnError): Promise<Detach> {
  // hls.js wherever Media Source Extensions exist: its retries and live
  // handling are the same everywhere, while native HLS differs by browser
  // (Chromium now claims it too, and gives up on a playlist not there yet).
  const mse = 'MediaSource' in window || 'ManagedMediaSource' in window;
  if (!mse && video.canPlayType('application/vnd.apple.mpegurl')) return attachNative(video, source.url, onError);
  const { default: Hls } = await import('hls.js');
  if (!Hls.isSupported()) {
    onError('HLS is not supported by this browser');
    return () => undefined;
  }
  // A live playlist appears a few seconds after the stream starts (its
  // first segments must exist): keep asking for it for about half a minute
  // rather than giving up after hls.js's default single retry.
  const manifestLoadPolicy = source.live
    ? {
        default: {
          maxTimeToFirstByteMs: 10_000,
          maxLoadTimeMs: 20_000,
          timeoutRetry: { maxNumRetry: 2, retryDelayMs: 0, maxRetryDelayMs: 0 },
          // 404 included: the server says "not found" until the playlist exists.
          errorRetry: {
            maxNumRetry: 8,
            retryDelayMs: 1000,
            maxRetryDelayMs: 4000,
            shouldRetry: (config: { maxNumRetry: number } | null | undefined, count: number) =>
              count < (config?.maxNumRetry ?? 0),
          },
        },
      }
    : undefined;
  const hls = new Hls({ lowLatencyMode: source.live, liveSyncDurationCount: 2, ...(manifestLoadPolicy && { manifestLoadPolicy }) });
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (data.fatal) onError(`${data.type}: ${data.details}`);
  });
  hls.loadSource(source.url);
  hls.attachMedia(video);
  return () => hls.destroy();
}

async function attachFlv(video: HTMLVideoElement, source: Source, onError: OnError): Promise<Detach> {
  const { default: mpegts } = await import('mpegts.js');
  const { ownConnectionLoader } = await import('./flv-loader');
  if (!mpegts.isSupported()) {
    onError('FLV playback (Media Source Extensions) is not supported by this browser');
    return () => undefined;
  }
  const player = mpegts.createPlayer(
    { type: 'flv', isLive: source.live, url: source.url, hasAudio: undefined, hasVideo: true },
    {
      enableStashBuffer: !source.live,
      liveBufferLatencyChasing: false,
      lazyLoad: !source.live,
      customLoader: ownConnectionLoader(mpegts),
    },
  );
  player.on(mpegts.Events.ERROR, (type: string, detail: string) => onError(`${type}: ${detail}`));
  player.attachMediaElement(video);
  player.load();
  return () => {
    player.pause();
    player.unload();
    player.detachMediaElement();
    player.destroy();
  };
}

/** The source for a playlist item's kind and URL. */
export function sourceFor(kind: string, url: string): Source {
  if (kind === 'hls') return { kind: 'hls', url, live: false };
  if (kind === 'flv') return { kind: 'flv', url, live: false };
  return { kind: 'native', url, live: false };
}
