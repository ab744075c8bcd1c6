// The edge of the sync client: applies the pure decisions of drift.ts to a
// real <video> element a few times a second and keeps the figures that
// `window.synctvStats()` shows.

import type { ClockSync } from './clock';
import { decide, decideLive, driftOf, nextSeekLead, targetPosition, type Playback } from './drift';

/** How often the player is measured. */
export const TICK_MS = 250;
/** Assumed seek time before one was measured. */
const FIRST_SEEK_LEAD_MS = 150;

export type PlayerState = 'idle' | 'synced' | 'nudging' | 'seeking' | 'buffering' | 'muted' | 'blocked' | 'paused';

export interface FollowInput {
  playback: Playback;
  durationMs: number | null;
  live: boolean;
}

export interface SyncStats {
  offsetMs: number | null;
  rttMs: number | null;
  driftMs: number | null;
  targetMs: number | null;
  currentMs: number;
  rate: number;
  state: PlayerState;
  seeks: number;
  seekLeadMs: number;
  itemId: number | null;
  playing: boolean;
  muted: boolean;
  live: boolean;
}

export class Follower {
  private timer = 0;
  private nudging = false;
  private seekStartedAt: number | null = null;
  private seekLeadMs = FIRST_SEEK_LEAD_MS;
  private playPending = false;
  private seeks = 0;
  private state: PlayerState = 'idle';
  private lastDrift: number | null = null;
  private lastTarget: number | null = null;
  /** Muted here because autoplay with sound was refused. */
  private mutedByUs = false;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly clock: ClockSync,
    private readonly input: () => FollowInput | null,
    private readonly now: () => number,
    private readonly onState: (state: PlayerState) => void,
  ) {
    video.addEventListener('seeked', this.onSeeked);
    video.addEventListener('playing', this.onPlaying);
    this.timer = window.setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    window.clearInterval(this.timer);
    this.video.removeEventListener('seeked', this.onSeeked);
    this.video.removeEventListener('playing', this.onPlaying);
  }

  /** Measures now instead of at the next tick (after a new clock arrived). */
  poke(): void {
    this.tick();
  }

  /** Unmutes (after the person clicked) and plays if the room plays. */
  unmute(): void {
    this.video.muted = false;
    this.mutedByUs = false;
    this.playPending = false;
    this.state = 'idle';
    this.tick();
  }

  stats(): SyncStats {
    const estimate = this.clock.estimate();
    const input = this.input();
    return {
      offsetMs: estimate?.offsetMs ?? null,
      rttMs: estimate?.rttMs ?? null,
      driftMs: this.lastDrift,
      targetMs: this.lastTarget,
      currentMs: this.video.currentTime * 1000,
      rate: this.video.playbackRate,
      state: this.state,
      seeks: this.seeks,
      seekLeadMs: this.seekLeadMs,
      itemId: input?.playback.item_id ?? null,
      playing: !this.video.paused,
      muted: this.video.muted,
      live: input?.live ?? false,
    };
  }

  private setState(state: PlayerState): void {
    if (state === this.state) return;
    this.state = state;
    this.onState(state);
  }

  private readonly onSeeked = () => {
    if (this.seekStartedAt !== null && !this.video.paused) {
      this.seekLeadMs = nextSeekLead(this.seekLeadMs, this.now() - this.seekStartedAt);
    }
    this.seekStartedAt = null;
  };

  private readonly onPlaying = () => {
    if (this.state === 'buffering') this.setState('synced');
  };

  private tick(): void {
    const input = this.input();
    const v = this.video;
    if (!input || input.playback.item_id === null) {
      this.lastDrift = null;
      this.setState('idle');
      return;
    }
    if (v.readyState < HTMLMediaElement.HAVE_METADATA || this.seekStartedAt !== null || v.seeking) return;
    this.followPlayState(input);
    if (input.live) return this.followLive();
    const target = targetPosition(input.playback, this.clock.serverTime(this.now()), input.durationMs);
    const currentMs = v.currentTime * 1000;
    this.lastTarget = target;
    this.lastDrift = driftOf({ currentMs, targetMs: target });
    const baseRate = input.playback.rate_milli / 1000;
    const buffering = input.playback.playing && v.readyState < HTMLMediaElement.HAVE_FUTURE_DATA;
    // While buffering only a far drift is acted on (a fresh load, a seek by
    // someone else): small corrections would fight the network.
    const decision = decide({
      currentMs,
      targetMs: target,
      playing: input.playback.playing,
      baseRate,
      nudging: this.nudging,
      seekLeadMs: this.seekLeadMs,
    });
    if (buffering && decision.kind !== 'seek') {
      this.setState('buffering');
      return;
    }
    this.apply(decision, input.playback.playing);
  }

  private followLive(): void {
    const v = this.video;
    const end = v.buffered.length > 0 ? v.buffered.end(v.buffered.length - 1) * 1000 : 0;
    const currentMs = v.currentTime * 1000;
    this.lastTarget = end;
    this.lastDrift = currentMs - end;
    if (end === 0) return;
    this.apply(decideLive({ currentMs, bufferedEndMs: end }), true);
  }

  private apply(decision: ReturnType<typeof decide>, playing: boolean): void {
    const v = this.video;
    if (decision.kind === 'seek') {
      this.seeks++;
      this.nudging = false;
      this.seekStartedAt = this.now();
      v.playbackRate = v.defaultPlaybackRate;
      v.currentTime = Math.max(0, decision.toMs / 1000);
      this.setState('seeking');
      return;
    }
    this.nudging = decision.kind === 'nudge';
    if (Math.abs(v.playbackRate - decision.rate) > 1e-6) v.playbackRate = decision.rate;
    if (!playing) return this.setState('paused');
    if (v.muted && this.state !== 'blocked' && this.mutedByUs) return this.setState('muted');
    this.setState(this.nudging ? 'nudging' : 'synced');
  }

  private followPlayState(input: FollowInput): void {
    const v = this.video;
    const wantPlaying = input.live || input.playback.playing;
    if (!wantPlaying) {
      if (!v.paused) v.pause();
      return;
    }
    // Refused even muted: wait for a click (unmute) instead of retrying.
    if (!v.paused || this.playPending || this.state === 'blocked') return;
    this.playPending = true;
    v.play()
      .then(() => {
        this.playPending = false;
      })
      .catch((e: unknown) => {
        if (!(e instanceof DOMException) || e.name !== 'NotAllowedError') {
          this.playPending = false;
          return;
        }
        // Autoplay with sound was refused: start muted and ask for a click.
        v.muted = true;
        this.mutedByUs = true;
        v.play()
          .then(() => {
            this.playPending = false;
            this.setState('muted');
          })
          .catch(() => {
            this.playPending = false;
            this.setState('blocked');
          });
      });
  }
}
