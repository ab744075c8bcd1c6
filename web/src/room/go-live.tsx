// "Go live": where OBS or ffmpeg pushes this room's stream, and who watches.

import { useEffect, useState } from 'preact/hooks';

import { api, type PublishUrl } from '../api';
import { t } from '../i18n';
import { CopyButton, ErrorText, useAction } from '../ui';
import type { RoomState } from './state';

export function GoLive({ roomId, state }: { roomId: string; state: RoomState }) {
  const [urls, setUrls] = useState<PublishUrl | null>(null);
  const [showKey, setShowKey] = useState(false);
  const [error, run] = useAction();
  useEffect(() => void run(async () => setUrls(await api.publishUrl(roomId))), [roomId]);
  const rotate = () =>
    confirm(t('confirmRotate')) && void run(async () => setUrls(await api.rotateKey(roomId)));
  return (
    <section class="go-live" aria-label={t('goLive')}>
      <p>
        <strong data-testid="live-status">{state.live ? t('liveNow') : t('notLive')}</strong> ·{' '}
        {t('liveViewers')}: <span data-testid="live-viewers">{state.liveViewers}</span>
      </p>
      <p>
        <small>{t('goLiveHelp')}</small>
      </p>
      <ErrorText error={error} />
      {urls && (
        <dl>
          <dt>{t('rtmpServer')}</dt>
          <dd class="row">
            <code data-testid="rtmp-server">{urls.server}</code>
            <CopyButton text={urls.server} label={t('rtmpServer')} />
          </dd>
          <dt>{t('streamKey')}</dt>
          <dd class="row">
            <code data-testid="stream-key" data-key={urls.key}>
              {showKey ? urls.key : '•'.repeat(12)}
            </code>
            <button type="button" class="small" onClick={() => setShowKey(!showKey)}>
              {showKey ? t('hideKey') : t('showKey')}
            </button>
            <CopyButton text={urls.key} label={t('streamKey')} />
          </dd>
          <dt>{t('fullUrl')}</dt>
          <dd class="row">
            <code class="wrap-anywhere">{showKey ? urls.url : urls.server + '/' + '•'.repeat(12)}</code>
            <CopyButton text={urls.url} label={t('fullUrl')} />
          </dd>
        </dl>
      )}
      <button type="button" class="danger" onClick={rotate}>
        {t('rotateKey')}
      </button>
    </section>
  );
}
