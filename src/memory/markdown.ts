import type { Timeline } from "./memory.ts";

/** `m:ss`, or `h:mm:ss` from an hour on. Negative offsets (written before the start) read `-m:ss`. */
export function formatOffset(ms: number): string {
  const total = Math.floor(Math.abs(ms) / 1000);
  // A join a few milliseconds before the meeting was marked started reads 0:00, not -0:00.
  const sign = ms < 0 && total > 0 ? "-" : "";
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${sign}${h}:${String(m).padStart(2, "0")}:${s}` : `${sign}${m}:${s}`;
}

const escapeInline = (text: string) => text.replace(/([\\`*_[\]|])/g, "\\$1");

/** The meeting's memory as one Markdown file: who, talk time, notes with their times, items, recordings. */
export function renderMarkdown(t: Timeline, options: { teamName: string | null; recordingUrl(id: string): string | null; pageUrl: string }): string {
  const out: string[] = [`# ${t.title}`, ""];
  const when = t.startedAt ? `${t.startedAt.slice(0, 10)} ${t.startedAt.slice(11, 16)} UTC` : "not held";
  const duration = t.startedAt && t.endedAt ? ` (${formatOffset(Date.parse(t.endedAt) - Date.parse(t.startedAt))})` : "";
  out.push(`- Date: ${when}${duration}`);
  if (options.teamName) out.push(`- Team: ${escapeInline(options.teamName)}`);
  out.push(`- Meeting page: ${options.pageUrl}`, "");
  const name = new Map(t.participants.map((p) => [p.id, p.name]));
  out.push("## Attendees", "");
  if (t.participants.length === 0) out.push("Nobody's attendance was recorded.");
  for (const p of t.participants) {
    const from = t.startedAt ? formatOffset(Date.parse(p.joinedAt) - Date.parse(t.startedAt)) : p.joinedAt;
    const to = p.leftAt ? (t.startedAt ? formatOffset(Date.parse(p.leftAt) - Date.parse(t.startedAt)) : p.leftAt) : "the end";
    out.push(`- ${escapeInline(p.name)}${p.userId ? "" : " (guest)"}: ${from} – ${to}`);
  }
  out.push("", "## Talk time", "");
  if (t.talk.length === 0) out.push("No speech was recorded.");
  else {
    out.push("| Person | Talk time | Share | Turns |", "|---|---|---|---|");
    for (const x of t.talk) out.push(`| ${escapeInline(name.get(x.participantId) ?? "?")} | ${formatOffset(Math.round(x.ms / 1000) * 1000)} | ${Math.round(x.share * 100)}% | ${x.turns} |`);
  }
  out.push("", "## Notes", "");
  if (t.lines.every((l) => l.text.trim() === "")) out.push("No notes were written.");
  else for (const l of t.lines) out.push(l.text.trim() === "" ? "" : `${l.atMs === null ? "" : `\`${formatOffset(l.atMs)}\` `}${l.text}`);
  out.push("", "## Action items", "");
  if (t.actionItems.length === 0) out.push("None.");
  for (const i of t.actionItems) out.push(`- [${i.done ? "x" : " "}] ${i.text}${i.atMs === null ? "" : ` (at ${formatOffset(i.atMs)})`}`);
  const links = t.recordings.map((r) => ({ r, url: options.recordingUrl(r.id) })).filter((x) => x.url !== null);
  if (links.length > 0) {
    out.push("", "## Recording", "");
    for (const { r, url } of links) out.push(`- [${escapeInline(r.title)}](${url}) — starts at ${formatOffset(r.offsetMs)}`);
  }
  return `${out.join("\n")}\n`;
}
