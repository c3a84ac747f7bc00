import { useId, useRef, type KeyboardEvent, type ReactNode } from 'react';

export interface TabSpec<K extends string> {
  key: K;
  title: string;
  render(): ReactNode;
}

interface Props<K extends string> {
  tabs: readonly TabSpec<K>[];
  active: K;
  onSelect(key: K): void;
}

/** WAI-ARIA tabs: ←/→ (and Home/End) move between tabs; only the active panel is rendered. */
export function Tabs<K extends string>({ tabs, active, onSelect }: Props<K>) {
  const id = useId();
  const refs = useRef(new Map<K, HTMLButtonElement>());
  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = tabs.findIndex((t) => t.key === active);
    const next =
      e.key === 'ArrowRight'
        ? (i + 1) % tabs.length
        : e.key === 'ArrowLeft'
          ? (i - 1 + tabs.length) % tabs.length
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? tabs.length - 1
              : -1;
    if (next < 0) return;
    e.preventDefault();
    onSelect(tabs[next].key);
    refs.current.get(tabs[next].key)?.focus();
  };
  const current = tabs.find((t) => t.key === active) ?? tabs[0];
  return (
    <>
      <div role="tablist" aria-label="Lab sections" className="tabs" onKeyDown={onKey}>
        {tabs.map((t) => (
          <button
            key={t.key}
            ref={(el) => {
              if (el) refs.current.set(t.key, el);
            }}
            type="button"
            role="tab"
            id={`${id}-tab-${t.key}`}
            aria-selected={t.key === active}
            aria-controls={`${id}-panel`}
            tabIndex={t.key === active ? 0 : -1}
            onClick={() => onSelect(t.key)}
          >
            {t.title}
          </button>
        ))}
      </div>
      <div
        role="tabpanel"
        id={`${id}-panel`}
        aria-labelledby={`${id}-tab-${current.key}`}
        className="tabpanel"
      >
        {current.render()}
      </div>
    </>
  );
}
