/** The meeting page's lazily loaded body (client/lazy/meeting-memory.tsx), as the app sees it. */
export interface MeetingMemoryPart {
  /** Renders the meeting `code`'s memory into `el`; returns what unmounts it. */
  mount(el: HTMLElement, options: { code: string; onTitle(title: string): void }): () => void;
}
