import { useEffect, useId, useRef, type KeyboardEvent } from 'react';
import {
  playbackTicker,
  useCursor,
  useTimeline,
  type Timeline as TimelineData,
} from '../../store/timelineStore';
import { recordingNote, SPEEDS, timelineKey } from '../../sampling/timeline';
import { useImageScale } from '../ImageSizeControl';
import { FramePanel } from './FramePanel';
import { FollowView } from './FollowView';
import { TimelineExport } from './TimelineExport';
import { useFrameEffect } from './useFrameEffect';

/** The readout under the slider: which step, t, ᾱ_t, σ_t. */
function readout(frame: number, tl: TimelineData): string {
  const f = tl.frames[frame];
  return `step ${f.step + 1} of ${tl.totalSteps} · t = ${f.t} · ᾱ_t = ${f.alphaBar.toPrecision(3)} · σ_t = ${f.sigma.toPrecision(3)}`;
}

/**
 * The reverse-process timeline: a slider over the recorded frames, play/pause with speed, ±1 step,
 * the keyboard (←/→, Home/End, space), three panels side by side, and a followed sample drawn large.
 */
export function Timeline() {
  const id = useId();
  const tl = useTimeline((s) => s.timeline);
  const count = tl?.frames.length ?? 0;
  const playing = useCursor((s) => s.playing);
  const speed = useCursor((s) => s.speed);
  const followed = useCursor((s) => s.followed);
  const slider = useRef<HTMLInputElement>(null);
  const text = useRef<HTMLOutputElement>(null);
  const scale = useImageScale(tl?.width ?? 1);

  useFrameEffect((frame, data) => {
    const label = readout(frame, data);
    if (slider.current) {
      slider.current.value = String(frame);
      slider.current.setAttribute('aria-valuetext', label);
    }
    if (text.current) {
      text.current.textContent = label;
      text.current.dataset.frame = String(frame);
      text.current.dataset.t = String(data.frames[frame].t);
    }
  });

  useEffect(() => {
    if (!playing) return;
    const tick = playbackTicker();
    let handle = requestAnimationFrame(function loop(now) {
      if (tick(now)) handle = requestAnimationFrame(loop);
    });
    return () => cancelAnimationFrame(handle);
  }, [playing]);

  if (!tl) return null;
  const cursor = useCursor.getState;
  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    // Buttons and selects keep their own keys; the slider and the region get the timeline's.
    const target = e.target as HTMLElement;
    if (target !== e.currentTarget && target !== slider.current) return;
    const action = timelineKey(e.key, cursor().frame, count);
    if (!action) return;
    e.preventDefault();
    if ('toggle' in action) cursor().setPlaying(!cursor().playing);
    else {
      cursor().setPlaying(false);
      cursor().seek(action.frame);
    }
  };
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Reverse-process timeline</h2>
      <p className="hint" data-testid="timeline-recording">
        {recordingNote(tl.totalSteps, count, tl.stride)}
        {count < Math.ceil(tl.totalSteps / tl.stride) ? ' · recording…' : ''}
      </p>
      <div
        className="timeline"
        tabIndex={0}
        role="group"
        aria-label="Timeline: ← and → step, Home and End jump, space plays or pauses"
        onKeyDown={onKey}
      >
        <div className="row">
          <button
            type="button"
            onClick={() => cursor().setPlaying(!playing)}
            aria-pressed={playing}
            disabled={count < 2}
          >
            {playing ? 'Pause' : 'Play'}
          </button>
          <button type="button" onClick={() => cursor().step(-1)} aria-label="Previous step">
            −1
          </button>
          <input
            ref={slider}
            id={`${id}-slider`}
            data-testid="timeline-slider"
            type="range"
            min={0}
            max={Math.max(0, count - 1)}
            defaultValue={0}
            aria-label="Reverse step"
            onInput={(e) => cursor().seek(Number(e.currentTarget.value))}
          />
          <button type="button" onClick={() => cursor().step(1)} aria-label="Next step">
            +1
          </button>
          <label htmlFor={`${id}-speed`}>speed</label>
          <select
            id={`${id}-speed`}
            value={speed}
            onChange={(e) => cursor().setSpeed(Number(e.target.value))}
          >
            {SPEEDS.map((s) => (
              <option key={s} value={s}>
                {s}×
              </option>
            ))}
          </select>
          <label htmlFor={`${id}-follow`}>follow</label>
          <select
            id={`${id}-follow`}
            data-testid="timeline-follow"
            value={followed ?? ''}
            onChange={(e) => cursor().follow(e.target.value === '' ? null : Number(e.target.value))}
          >
            <option value="">no sample</option>
            {Array.from({ length: tl.numImages }, (_, i) => (
              <option key={i} value={i}>
                sample {i + 1}
              </option>
            ))}
          </select>
        </div>
        <output
          ref={text}
          htmlFor={`${id}-slider`}
          className="readout"
          data-testid="timeline-readout"
          aria-live="off"
        />
        <div className="panels">
          <FramePanel kind="xt" single={false} scale={scale} />
          <FramePanel kind="x0" single={false} scale={scale} />
          <FramePanel kind="eps" single={false} scale={scale} />
        </div>
        {followed !== null && <FollowView sample={followed} />}
      </div>
      <TimelineExport />
    </section>
  );
}
